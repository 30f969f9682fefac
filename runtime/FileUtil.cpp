//===- FileUtil.cpp - files and folders for the runtime -------------------===//

#include "sddrt/FileUtil.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace sddrt;

bool sddrt::readWholeFile(const std::string &path, std::string &contents,
                          std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  struct stat info;
  if (fstat(fd, &info) != 0 || S_ISDIR(info.st_mode)) {
    error = path + ": cannot read: " +
            (S_ISDIR(info.st_mode) ? "is a directory" : std::strerror(errno));
    ::close(fd);
    return false;
  }
  contents.clear();
  if (info.st_size > 0)
    contents.reserve(static_cast<size_t>(info.st_size));
  char buffer[1 << 16];
  for (;;) {
    ssize_t got = ::read(fd, buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      error = path + ": cannot read: " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (got == 0)
      break;
    contents.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return true;
}

bool sddrt::writeFileAtomically(const std::string &path,
                                const std::string &contents,
                                std::string &error) {
  std::string temporary = path + ".tmp." + std::to_string(getpid());
  int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = path + ": cannot write: " + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t wrote = ::write(fd, contents.data() + done, contents.size() - done);
    if (wrote < 0 && errno == EINTR)
      continue;
    if (wrote <= 0) {
      error = path + ": cannot write: " + std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      return false;
    }
    done += static_cast<size_t>(wrote);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    error = path + ": cannot write: " + std::strerror(errno);
    ::unlink(temporary.c_str());
    return false;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    error = path + ": cannot rename the temporary file into place: " +
            std::strerror(errno);
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

bool sddrt::fileExists(const std::string &path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool sddrt::isDirectory(const std::string &path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

int64_t sddrt::modifiedTime(const std::string &path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0)
    return 0;
  return int64_t(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
}

bool sddrt::makeDirectories(const std::string &path, std::string &error) {
  if (path.empty() || isDirectory(path))
    return true;
  std::string parent = parentPath(path);
  if (parent != path && parent != "." && parent != "/" &&
      !makeDirectories(parent, error))
    return false;
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    error = path + ": cannot create folder: " + std::strerror(errno);
    return false;
  }
  if (!isDirectory(path)) {
    error = path + ": cannot create folder: a file of that name exists";
    return false;
  }
  return true;
}

std::string sddrt::parentPath(const std::string &path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/')
    trimmed.pop_back();
  size_t slash = trimmed.rfind('/');
  if (slash == std::string::npos)
    return ".";
  if (slash == 0)
    return "/";
  return trimmed.substr(0, slash);
}

std::string sddrt::stem(const std::string &path) {
  size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0)
    name = name.substr(0, dot);
  return name;
}

std::string sddrt::executableDir() {
  char buffer[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (length <= 0)
    return ".";
  buffer[length] = 0;
  return parentPath(buffer);
}

void sddrt::removeTree(const std::string &path) {
  if (DIR *dir = ::opendir(path.c_str())) {
    while (struct dirent *entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..")
        continue;
      std::string child = path + "/" + name;
      struct stat info;
      if (::lstat(child.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
        removeTree(child);
      else
        ::unlink(child.c_str());
    }
    ::closedir(dir);
  }
  ::rmdir(path.c_str());
}
