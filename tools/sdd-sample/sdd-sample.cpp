//===- sdd-sample.cpp - generate text from a checkpoint -------------------===//
//
//   sdd-sample CKPT --prompt TEXT --tokens N [--temperature T] [--seed S]
//              [--artifact PATH.so] [--threads N]
//
//===----------------------------------------------------------------------===//

#include "sddrt/Sampler.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

const char *const kUsage =
    "usage: sdd-sample CKPT --prompt TEXT --tokens N [options]\n"
    "\n"
    "Prints TEXT and N generated tokens, using the model of checkpoint CKPT\n"
    "(written by sdd-train).\n"
    "\n"
    "  --prompt TEXT        the start of the text (token ids separated by\n"
    "                       spaces when vocab_size > 256)\n"
    "  --tokens N           how many tokens to generate\n"
    "  --temperature T      sampling temperature, 0 = greedy (default 1)\n"
    "  --seed S             random seed (default 0)\n"
    "  --artifact PATH.so   use a compiled artifact instead of model.so\n"
    "                       beside CKPT or running sdd-compile\n"
    "  --threads N          CPU threads (default: every core)\n";

int usageError(const std::string &message) {
  std::fprintf(stderr, "sdd-sample: error: %s (see sdd-sample --help)\n",
               message.c_str());
  return 1;
}

bool parseUnsigned(const std::string &text, unsigned long long &value) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  char *end = nullptr;
  value = std::strtoull(text.c_str(), &end, 10);
  return *end == 0;
}

} // namespace

int main(int argc, char **argv) {
  sddrt::SampleOptions options;
  bool havePrompt = false, haveTokens = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      if (!options.checkpointPath.empty())
        return usageError("more than one checkpoint: '" +
                          options.checkpointPath + "' and '" + arg + "'");
      options.checkpointPath = arg;
      continue;
    }
    std::string name = arg, value;
    size_t equals = arg.find('=');
    bool inlineValue = equals != std::string::npos;
    if (inlineValue) {
      name = arg.substr(0, equals);
      value = arg.substr(equals + 1);
    }
    if (name != "--prompt" && name != "--tokens" && name != "--temperature" &&
        name != "--seed" && name != "--artifact" && name != "--threads")
      return usageError("unknown option '" + name + "'");
    if (!inlineValue) {
      if (i + 1 >= argc)
        return usageError(name + " needs a value");
      value = argv[++i];
    }
    unsigned long long number = 0;
    if (name == "--prompt") {
      options.prompt = value;
      havePrompt = true;
    } else if (name == "--artifact") {
      options.artifactPath = value;
    } else if (name == "--tokens") {
      if (!parseUnsigned(value, number) || number > (1ULL << 31))
        return usageError("--tokens " + value +
                          ": expected a non-negative integer");
      options.tokens = static_cast<int64_t>(number);
      haveTokens = true;
    } else if (name == "--seed") {
      if (!parseUnsigned(value, number))
        return usageError("--seed " + value +
                          ": expected a non-negative integer");
      options.seed = number;
    } else if (name == "--threads") {
      if (!parseUnsigned(value, number) || number == 0 || number > 4096)
        return usageError("--threads " + value +
                          ": expected a positive integer");
      options.threads = static_cast<int>(number);
    } else if (name == "--temperature") {
      char *end = nullptr;
      options.temperature = std::strtod(value.c_str(), &end);
      if (value.empty() || *end || !std::isfinite(options.temperature) ||
          options.temperature < 0)
        return usageError("--temperature " + value +
                          ": expected a number >= 0");
    }
  }
  if (options.checkpointPath.empty())
    return usageError("no checkpoint given");
  if (!havePrompt)
    return usageError("--prompt is required");
  if (!haveTokens)
    return usageError("--tokens is required");
  return sddrt::runSample(options);
}
