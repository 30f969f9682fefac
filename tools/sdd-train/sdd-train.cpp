//===- sdd-train.cpp - train a model compiled by sdd-compile --------------===//
//
//   sdd-train CONFIG.toml [--data PATH] [--out DIR] [--steps N]
//             [--set section.key=value]... [--resume CKPT]
//             [--dump-step0 FILE] [--threads N] [--artifact PATH.so]
//
//===----------------------------------------------------------------------===//

#include "sddrt/Trainer.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>
#include <string>

namespace {

const char *const kUsage =
    "usage: sdd-train CONFIG.toml [options]\n"
    "\n"
    "Trains the model of CONFIG.toml (compiled with sdd-compile) and writes\n"
    "metrics.jsonl and ckpt-STEP.safetensors into the output folder.\n"
    "\n"
    "  --data PATH          text (byte tokens) or llm.c .bin tokens\n"
    "                       (default data/kjv.txt)\n"
    "  --out DIR            output folder (default runs/<config name>)\n"
    "  --steps N            same as --set train.steps=N\n"
    "  --set SECTION.KEY=V  override a config value (repeatable)\n"
    "  --resume CKPT        continue from a checkpoint, bit-identically\n"
    "  --dump-step0 FILE    write the first step (parameters, batch, loss,\n"
    "                       gradients, update) to FILE and exit\n"
    "  --threads N          CPU threads (default: every core)\n"
    "  --artifact PATH.so   use a compiled artifact (PATH.json beside it)\n"
    "                       instead of running sdd-compile\n"
    "  --target cpu|cuda    where the model runs (default cpu); cuda needs\n"
    "                       an NVIDIA GPU\n";

int usageError(const std::string &message) {
  std::fprintf(stderr, "sdd-train: error: %s (see sdd-train --help)\n",
               message.c_str());
  return 1;
}

bool parsePositive(const std::string &text, long long &value) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  char *end = nullptr;
  value = std::strtoll(text.c_str(), &end, 10);
  return *end == 0 && value > 0 && value < (1LL << 40);
}

} // namespace

int main(int argc, char **argv) {
#ifdef __GLIBC__
  // Every step allocates and frees the same large buffers; by default glibc
  // maps each one fresh (and returns it to the kernel when freed), so every
  // step faults all its pages in again. Keep them in the heap instead: the
  // peak memory is the same.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  sddrt::TrainOptions options;
  std::string steps;
  bool haveSteps = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      if (!options.configPath.empty())
        return usageError("more than one config file: '" + options.configPath +
                          "' and '" + arg + "'");
      options.configPath = arg;
      continue;
    }
    std::string name = arg, value;
    bool inlineValue = false;
    size_t equals = arg.find('=');
    if (equals != std::string::npos) {
      name = arg.substr(0, equals);
      value = arg.substr(equals + 1);
      inlineValue = true;
    }
    static const char *const kOptions[] = {
        "--data",       "--out",     "--steps",    "--set",   "--resume",
        "--dump-step0", "--threads", "--artifact", "--target"};
    bool known = false;
    for (const char *option : kOptions)
      known |= name == option;
    if (!known)
      return usageError("unknown option '" + name + "'");
    if (!inlineValue) {
      if (i + 1 >= argc)
        return usageError(name + " needs a value");
      value = argv[++i];
    }
    if (name == "--data")
      options.dataPath = value;
    else if (name == "--out")
      options.outDir = value;
    else if (name == "--set")
      options.overrides.push_back(value);
    else if (name == "--resume")
      options.resumePath = value;
    else if (name == "--dump-step0")
      options.dumpStep0Path = value;
    else if (name == "--artifact")
      options.artifactPath = value;
    else if (name == "--target") {
      if (value != "cpu" && value != "cuda")
        return usageError("--target " + value + ": expected cpu or cuda");
      options.target = value;
    } else if (name == "--steps") {
      long long parsed = 0;
      if (!parsePositive(value, parsed))
        return usageError("--steps " + value + ": expected a positive integer");
      steps = value;
      haveSteps = true;
    } else if (name == "--threads") {
      long long parsed = 0;
      if (!parsePositive(value, parsed) || parsed > 4096)
        return usageError("--threads " + value +
                          ": expected a positive integer");
      options.threads = static_cast<int>(parsed);
    }
    if (value.empty())
      return usageError(name + " needs a non-empty value");
  }
  if (options.configPath.empty())
    return usageError("no config file given");
  if (haveSteps)
    options.overrides.push_back("train.steps=" + steps);
  return sddrt::runTrain(options);
}
