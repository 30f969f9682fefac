//===- Compile.cpp - obtaining an artifact from sdd-compile ---------------===//

#include "sddrt/Compile.h"

#include "sddrt/Artifact.h"
#include "sddrt/FileUtil.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace sddrt;

std::string sddrt::compilerPath() {
  if (const char *path = std::getenv("SDD_COMPILE"))
    if (*path)
      return path;
  return executableDir() + "/sdd-compile";
}

bool sddrt::compileModel(const std::string &configPath,
                         const std::vector<std::string> &overrides,
                         const std::string &soPath, std::string &error,
                         const std::string &target) {
  std::string compiler = compilerPath();
  if (::access(compiler.c_str(), X_OK) != 0) {
    error = "cannot run the compiler " + compiler + ": " +
            std::strerror(errno) +
            " (build sdd-compile, or pass --artifact "
            "PATH.so)";
    return false;
  }
  std::vector<std::string> argv = {compiler, configPath, "-o", soPath};
  for (const std::string &assignment : overrides) {
    argv.push_back("--set");
    argv.push_back(assignment);
  }
  if (target != "cpu")
    argv.push_back("--target=" + target);
  std::vector<char *> cargv;
  for (std::string &arg : argv)
    cargv.push_back(arg.data());
  cargv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid = 0;
  int status = posix_spawn(&pid, compiler.c_str(), &actions, nullptr,
                           cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (status != 0) {
    error =
        "cannot run the compiler " + compiler + ": " + std::strerror(status);
    return false;
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) {
      error = "lost the compiler process: " + std::string(std::strerror(errno));
      return false;
    }
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) {
    if (!fileExists(soPath) || !fileExists(manifestPath(soPath))) {
      error = "sdd-compile exited 0 but did not write " + soPath +
              " and its manifest";
      return false;
    }
    return true;
  }
  if (WIFEXITED(wstatus))
    error = "sdd-compile failed (exit code " +
            std::to_string(WEXITSTATUS(wstatus)) + ") on " + configPath;
  else
    error = "sdd-compile was killed by signal " +
            std::to_string(WTERMSIG(wstatus)) + " on " + configPath;
  return false;
}

std::string sddrt::makeTempDir(const std::string &parent,
                               const std::string &prefix, std::string &error) {
  std::string pattern = parent + "/" + prefix + "XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back(0);
  if (!::mkdtemp(buffer.data())) {
    error =
        pattern + ": cannot create a temporary folder: " + std::strerror(errno);
    return "";
  }
  return buffer.data();
}
