//===- Config.cpp - model and training configuration ---------------------===//
//
// One table of fields drives every format: TOML (cpptoml), --set overrides,
// JSON (checkpoint and manifest metadata) and the model comparison. cpptoml
// and nlohmann-json throw; nothing escapes the functions of Config.h.
//
//===----------------------------------------------------------------------===//

#include "sddrt/Config.h"

#include "sddrt/FileUtil.h"

#include <cpptoml.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

using namespace sddrt;

namespace {

enum class Kind { Int, Float, Bool, Norm, Linear, Seed };

struct Field {
  const char *section;
  const char *key;
  Kind kind;
  void *(*member)(Config &);

  template <typename T> T &ref(Config &c) const {
    return *static_cast<T *>(member(c));
  }
  template <typename T> const T &ref(const Config &c) const {
    return *static_cast<T *>(member(const_cast<Config &>(c)));
  }
  std::string name() const { return std::string("[") + section + "] " + key; }
};

#define SDDRT_FIELD(SECTION, KEY, KIND, MEMBER)                                \
  Field {                                                                      \
    #SECTION, KEY, Kind::KIND,                                                 \
        [](Config &c) -> void * { return &c.SECTION.MEMBER; }                  \
  }

// The TOML key names of the issue, in the order of the TOML file.
const Field kFields[] = {
    SDDRT_FIELD(model, "vocab_size", Int, vocabSize),
    SDDRT_FIELD(model, "d_model", Int, dModel),
    SDDRT_FIELD(model, "n_layers", Int, nLayers),
    SDDRT_FIELD(model, "n_heads", Int, nHeads),
    SDDRT_FIELD(model, "n_kv_heads", Int, nKVHeads),
    SDDRT_FIELD(model, "ffn_hidden", Int, ffnHidden),
    SDDRT_FIELD(model, "norm", Norm, norm),
    SDDRT_FIELD(model, "linear", Linear, linear),
    SDDRT_FIELD(model, "tie_embeddings", Bool, tieEmbeddings),
    SDDRT_FIELD(model, "rope_base", Float, ropeBase),
    SDDRT_FIELD(model, "norm_eps", Float, normEps),
    SDDRT_FIELD(model, "init_std", Float, initStd),
    SDDRT_FIELD(model, "sdd_init_scale", Float, sddInitScale),
    // [model.moe]: only present (and only written) for MoE models.
    SDDRT_FIELD(model.moe, "experts", Int, experts),
    SDDRT_FIELD(model.moe, "top_k", Int, topK),
    SDDRT_FIELD(model.moe, "expert_hidden", Int, expertHidden),
    SDDRT_FIELD(model.moe, "lb_coef", Float, lbCoef),
    SDDRT_FIELD(model.moe, "z_coef", Float, zCoef),
    SDDRT_FIELD(train, "seq_len", Int, seqLen),
    SDDRT_FIELD(train, "batch_size", Int, batchSize),
    SDDRT_FIELD(train, "steps", Int, steps),
    SDDRT_FIELD(train, "lr", Float, lr),
    SDDRT_FIELD(train, "min_lr_ratio", Float, minLrRatio),
    SDDRT_FIELD(train, "warmup", Int, warmup),
    SDDRT_FIELD(train, "weight_decay", Float, weightDecay),
    SDDRT_FIELD(train, "beta1", Float, beta1),
    SDDRT_FIELD(train, "beta2", Float, beta2),
    SDDRT_FIELD(train, "adam_eps", Float, adamEps),
    SDDRT_FIELD(train, "clip", Float, clip),
    SDDRT_FIELD(train, "seed", Seed, seed),
    SDDRT_FIELD(train, "eval_every", Int, evalEvery),
    SDDRT_FIELD(train, "eval_batches", Int, evalBatches),
    SDDRT_FIELD(train, "checkpoint_every", Int, checkpointEvery),
};

#undef SDDRT_FIELD

const Field *findField(const std::string &section, const std::string &key) {
  for (const Field &field : kFields)
    if (section == field.section && key == field.key)
      return &field;
  return nullptr;
}

bool isSection(const std::string &name) {
  return name == "model" || name == "train";
}

bool isMoEField(const Field &field) {
  return std::string(field.section) == "model.moe";
}

/// Whether `field` belongs to `config`: the [model.moe] keys only exist in
/// MoE models.
bool isActive(const Field &field, const Config &config) {
  return !isMoEField(field) || config.model.moe.enabled;
}

/// The shortest decimal form that reads back to the same double.
std::string formatNumber(double value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  char buffer[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  return buffer;
}

/// A float as TOML writes it: always with a '.' or an exponent, and the
/// exponent without '+' or leading zeros (cpptoml rejects "1e+04").
std::string formatTOMLFloat(double value) {
  std::string text = formatNumber(value);
  size_t e = text.find('e');
  if (e != std::string::npos) {
    int exponent = std::atoi(text.c_str() + e + 1);
    return text.substr(0, e) + "e" + std::to_string(exponent);
  }
  if (text.find_first_of(".ni") == std::string::npos)
    text += ".0";
  return text;
}

bool parseNorm(const std::string &text, NormKind &norm) {
  for (NormKind kind :
       {NormKind::PreNorm, NormKind::PostNorm, NormKind::DeepNorm})
    if (text == normName(kind)) {
      norm = kind;
      return true;
    }
  return false;
}

bool parseLinear(const std::string &text, LinearKind &linear) {
  for (LinearKind kind : {LinearKind::Plain, LinearKind::SDD})
    if (text == linearName(kind)) {
      linear = kind;
      return true;
    }
  return false;
}

/// The value of `field` in `config` as it is written in TOML.
std::string formatValue(const Field &field, const Config &config) {
  switch (field.kind) {
  case Kind::Int:
    return std::to_string(field.ref<int64_t>(config));
  case Kind::Seed:
    return std::to_string(field.ref<uint64_t>(config));
  case Kind::Float:
    if (std::string(field.key) == "init_std")
      return formatTOMLFloat(config.model.effectiveInitStd());
    return formatTOMLFloat(field.ref<double>(config));
  case Kind::Bool:
    return field.ref<bool>(config) ? "true" : "false";
  case Kind::Norm:
    return std::string("\"") + normName(field.ref<NormKind>(config)) + "\"";
  case Kind::Linear:
    return std::string("\"") + linearName(field.ref<LinearKind>(config)) + "\"";
  }
  return "";
}

/// A TOML value as the user wrote it, for messages.
std::string describeTOML(const std::shared_ptr<cpptoml::base> &node) {
  if (auto s = node->as<std::string>())
    return "\"" + s->get() + "\"";
  if (auto i = node->as<int64_t>())
    return std::to_string(i->get());
  if (auto d = node->as<double>())
    return formatNumber(d->get());
  if (auto b = node->as<bool>())
    return b->get() ? "true" : "false";
  if (node->is_array())
    return "[...]";
  if (node->is_table())
    return "{...}";
  if (node->is_table_array())
    return "[[...]]";
  return "<date/time>";
}

/// Sets `field` from a TOML value; on a wrong type sets `problem`.
bool setFromTOML(const Field &field, const std::shared_ptr<cpptoml::base> &node,
                 Config &config, std::string &problem) {
  std::string shown = field.name() + " = " + describeTOML(node);
  switch (field.kind) {
  case Kind::Int:
    if (auto i = node->as<int64_t>()) {
      field.ref<int64_t>(config) = i->get();
      return true;
    }
    problem = shown + " must be an integer";
    return false;
  case Kind::Seed:
    if (auto i = node->as<int64_t>()) {
      if (i->get() >= 0) {
        field.ref<uint64_t>(config) = static_cast<uint64_t>(i->get());
        return true;
      }
    }
    problem = shown + " must be a non-negative integer";
    return false;
  case Kind::Float:
    if (auto d = node->as<double>()) {
      field.ref<double>(config) = d->get();
      return true;
    }
    if (auto i = node->as<int64_t>()) {
      field.ref<double>(config) = static_cast<double>(i->get());
      return true;
    }
    problem = shown + " must be a number";
    return false;
  case Kind::Bool:
    if (auto b = node->as<bool>()) {
      field.ref<bool>(config) = b->get();
      return true;
    }
    problem = shown + " must be true or false";
    return false;
  case Kind::Norm:
    if (auto s = node->as<std::string>())
      if (parseNorm(s->get(), field.ref<NormKind>(config)))
        return true;
    problem = shown + " must be \"prenorm\", \"postnorm\" or \"deepnorm\"";
    return false;
  case Kind::Linear:
    if (auto s = node->as<std::string>())
      if (parseLinear(s->get(), field.ref<LinearKind>(config)))
        return true;
    problem = shown + " must be \"plain\" or \"sdd\"";
    return false;
  }
  return false;
}

/// cpptoml parses arrays and inline tables recursively, so deep nesting
/// would overflow the stack. No config value is an array or a table: refuse
/// more than `kMaxNesting` levels (outside strings and comments) up front.
constexpr int kMaxNesting = 64;

bool checkNesting(const std::string &text, std::string &error) {
  int depth = 0, line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
    } else if (c == '"' || c == '\'') {
      // A string ends at its quote (or three on a multi-line string); only
      // basic strings ("...") have escapes.
      size_t quotes = text.compare(i, 3, std::string(3, c)) == 0 ? 3 : 1;
      std::string end(quotes, c);
      for (i += quotes; i < text.size(); ++i) {
        if (c == '"' && text[i] == '\\' && i + 1 < text.size()) {
          if (text[++i] == '\n')
            ++line;
          continue;
        }
        if (text[i] == '\n')
          ++line;
        if ((quotes == 1 && text[i] == '\n') ||
            text.compare(i, quotes, end) == 0)
          break;
      }
      i += quotes - 1;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) {
        error = "arrays or inline tables nested more than " +
                std::to_string(kMaxNesting) + " levels deep at line " +
                std::to_string(line);
        return false;
      }
    } else if (c == ']' || c == '}') {
      depth = std::max(0, depth - 1);
    }
  }
  return true;
}

/// Parses TOML text into a table; a syntax error becomes `error`.
std::shared_ptr<cpptoml::table> parseTOML(const std::string &text,
                                          std::string &error) {
  if (!checkNesting(text, error))
    return nullptr;
  try {
    std::istringstream in(text);
    cpptoml::parser parser(in);
    return parser.parse();
  } catch (const std::exception &e) {
    error = e.what();
  } catch (...) {
    error = "unknown error";
  }
  return nullptr;
}

std::vector<std::string> sortedKeys(const cpptoml::table &table) {
  std::vector<std::string> keys;
  for (const auto &entry : table)
    keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  return keys;
}

/// Parses TOML without checking the combination.
bool parseUnchecked(const std::string &text, const std::string &path,
                    Config &config, std::string &error) {
  std::string syntax;
  std::shared_ptr<cpptoml::table> root = parseTOML(text, syntax);
  if (!root) {
    error = path + ": TOML syntax error: " + syntax;
    return false;
  }
  Config result;
  // Sections in the order of the file format, then any unknown one.
  for (const std::string &name : sortedKeys(*root)) {
    std::shared_ptr<cpptoml::base> node = root->get(name);
    if (!isSection(name)) {
      if (node->is_table())
        error = path + ": unknown section [" + name +
                "] (expected [model] or [train])";
      else
        error = path + ": key '" + name +
                "' outside a section (expected [model] or [train])";
      return false;
    }
    if (!node->is_table()) {
      error = path + ": '" + name + "' must be the section [" + name + "]";
      return false;
    }
    std::shared_ptr<cpptoml::table> section = node->as_table();
    for (const std::string &key : sortedKeys(*section)) {
      if (name == "model" && key == "moe") {
        std::shared_ptr<cpptoml::base> moe = section->get(key);
        if (!moe->is_table()) {
          error = path + ": [model] 'moe' must be the table [model.moe]";
          return false;
        }
        result.model.moe.enabled = true;
        std::shared_ptr<cpptoml::table> table = moe->as_table();
        for (const std::string &moeKey : sortedKeys(*table)) {
          const Field *field = findField("model.moe", moeKey);
          std::string problem;
          if (!field) {
            error = path + ": [model.moe] unknown key '" + moeKey + "'";
            return false;
          }
          if (!setFromTOML(*field, table->get(moeKey), result, problem)) {
            error = path + ": " + problem;
            return false;
          }
        }
        continue;
      }
      const Field *field = findField(name, key);
      if (!field) {
        error = path + ": [" + name + "] unknown key '" + key + "'";
        return false;
      }
      std::string problem;
      if (!setFromTOML(*field, section->get(key), result, problem)) {
        error = path + ": " + problem;
        return false;
      }
    }
  }
  config = result;
  return true;
}

bool readFile(const std::string &path, std::string &text, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open config file";
    return false;
  }
  if (isDirectory(path)) {
    error = path + ": cannot read config file: is a directory";
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    error = path + ": cannot read config file";
    return false;
  }
  text = buffer.str();
  return true;
}

std::string trim(const std::string &text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos)
    return "";
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

} // namespace

double ModelConfig::effectiveInitStd() const {
  if (initStd > 0)
    return initStd;
  return 1.0 / std::sqrt(2.5 * static_cast<double>(dModel));
}

const char *sddrt::normName(NormKind norm) {
  switch (norm) {
  case NormKind::PreNorm:
    return "prenorm";
  case NormKind::PostNorm:
    return "postnorm";
  case NormKind::DeepNorm:
    return "deepnorm";
  }
  return "?";
}

const char *sddrt::linearName(LinearKind linear) {
  switch (linear) {
  case LinearKind::Plain:
    return "plain";
  case LinearKind::SDD:
    return "sdd";
  }
  return "?";
}

bool sddrt::parseConfig(const std::string &text, const std::string &path,
                        Config &config, std::string &error) {
  Config result;
  if (!parseUnchecked(text, path, result, error))
    return false;
  std::string problem;
  if (!validateConfig(result, problem)) {
    error = path + ": " + problem;
    return false;
  }
  config = result;
  return true;
}

bool sddrt::loadConfig(const std::string &path, Config &config,
                       std::string &error) {
  return loadConfig(path, {}, config, error);
}

bool sddrt::loadConfig(const std::string &path,
                       const std::vector<std::string> &overrides,
                       Config &config, std::string &error) {
  std::string text;
  if (!readFile(path, text, error))
    return false;
  Config result;
  if (!parseUnchecked(text, path, result, error))
    return false;
  for (const std::string &assignment : overrides)
    if (!applyOverride(assignment, result, error))
      return false;
  std::string problem;
  if (!validateConfig(result, problem)) {
    error = path + (overrides.empty() ? "" : " (with --set)") + ": " + problem;
    return false;
  }
  config = result;
  return true;
}

bool sddrt::applyOverride(const std::string &assignment, Config &config,
                          std::string &error) {
  std::string prefix = "--set " + assignment + ": ";
  size_t equals = assignment.find('=');
  // The last dot of the name: model.moe.top_k is the key top_k of the
  // section model.moe.
  size_t dot = assignment.rfind('.', equals);
  if (equals == std::string::npos || dot == std::string::npos || dot > equals) {
    error = prefix + "expected section.key=value";
    return false;
  }
  std::string section = trim(assignment.substr(0, dot));
  std::string key = trim(assignment.substr(dot + 1, equals - dot - 1));
  std::string value = trim(assignment.substr(equals + 1));
  const Field *field = findField(section, key);
  if (!field) {
    if (!isSection(section) && section != "model.moe")
      error = prefix + "unknown section [" + section +
              "] (expected model or train)";
    else
      error = prefix + "[" + section + "] unknown key '" + key + "'";
    return false;
  }
  std::string syntax;
  std::shared_ptr<cpptoml::table> table = parseTOML("v = " + value, syntax);
  bool isString = field->kind == Kind::Norm || field->kind == Kind::Linear;
  if (!table && isString && value.find('"') == std::string::npos)
    table = parseTOML("v = \"" + value + "\"", syntax);
  // One value: "1\nx = 2" would set x too.
  if (!table || !table->contains("v") ||
      std::next(table->begin()) != table->end()) {
    error = prefix + field->name() + " = " + value + " is not a valid value";
    if (field->kind == Kind::Int || field->kind == Kind::Seed)
      error += " (expected an integer)";
    else if (field->kind == Kind::Float)
      error += " (expected a number)";
    else if (field->kind == Kind::Bool)
      error += " (expected true or false)";
    return false;
  }
  std::string problem;
  if (!setFromTOML(*field, table->get("v"), config, problem)) {
    error = prefix + problem;
    return false;
  }
  // Setting a [model.moe] key makes the model an MoE model.
  if (isMoEField(*field))
    config.model.moe.enabled = true;
  return true;
}

bool sddrt::validateConfig(const Config &config, std::string &error) {
  const ModelConfig &m = config.model;
  const TrainConfig &t = config.train;
  auto fail = [&](const std::string &message) {
    error = message;
    return false;
  };
  // Sizes that must be positive.
  for (const Field &field : kFields) {
    if (field.kind != Kind::Int || !isActive(field, config))
      continue;
    std::string key = field.key;
    bool mayBeZero = key == "warmup" || key == "eval_every" ||
                     key == "eval_batches" || key == "checkpoint_every";
    int64_t value = field.ref<int64_t>(config);
    if (value < 0 || (value == 0 && !mayBeZero))
      return fail(field.name() + " = " + std::to_string(value) + " must be " +
                  (mayBeZero ? "zero or positive" : "positive"));
  }
  for (const Field &field : kFields)
    if (field.kind == Kind::Float && !std::isfinite(field.ref<double>(config)))
      return fail(field.name() + " = " +
                  formatNumber(field.ref<double>(config)) + " must be finite");

  if (m.vocabSize > std::numeric_limits<int32_t>::max())
    return fail("[model] vocab_size = " + std::to_string(m.vocabSize) +
                " does not fit int32 token ids");
  if (t.batchSize > std::numeric_limits<int32_t>::max() / (t.seqLen + 1))
    return fail(
        "[train] batch_size * seq_len = " + std::to_string(t.batchSize) +
        " * " + std::to_string(t.seqLen) + " is too large");
  if (m.dModel % m.nHeads != 0)
    return fail("[model] n_heads = " + std::to_string(m.nHeads) +
                " does not divide d_model = " + std::to_string(m.dModel));
  if (m.nHeads % m.nKVHeads != 0)
    return fail("[model] n_kv_heads = " + std::to_string(m.nKVHeads) +
                " does not divide n_heads = " + std::to_string(m.nHeads));
  if (m.headDim() % 2 != 0)
    return fail("[model] head dimension d_model / n_heads = " +
                std::to_string(m.dModel) + " / " + std::to_string(m.nHeads) +
                " = " + std::to_string(m.headDim()) +
                " is odd (RoPE rotates pairs)");

  auto positive = [&](const char *name, double value) {
    if (value > 0)
      return true;
    error =
        std::string(name) + " = " + formatNumber(value) + " must be positive";
    return false;
  };
  auto nonNegative = [&](const char *name, double value) {
    if (value >= 0)
      return true;
    error = std::string(name) + " = " + formatNumber(value) +
            " must be zero or positive";
    return false;
  };
  auto unitInterval = [&](const char *name, double value, bool closed) {
    if (value >= 0 && (value < 1 || (closed && value == 1)))
      return true;
    error = std::string(name) + " = " + formatNumber(value) + " must be in " +
            (closed ? "[0, 1]" : "[0, 1)");
    return false;
  };
  if (!positive("[model] rope_base", m.ropeBase) ||
      !positive("[model] norm_eps", m.normEps) ||
      !nonNegative("[model] init_std", m.initStd) ||
      !positive("[model] sdd_init_scale", m.sddInitScale) ||
      !positive("[train] lr", t.lr) ||
      !unitInterval("[train] min_lr_ratio", t.minLrRatio, true) ||
      !nonNegative("[train] weight_decay", t.weightDecay) ||
      !unitInterval("[train] beta1", t.beta1, false) ||
      !unitInterval("[train] beta2", t.beta2, false) ||
      !positive("[train] adam_eps", t.adamEps) ||
      !positive("[train] clip", t.clip))
    return false;
  if (m.moe.enabled) {
    if (m.moe.topK > m.moe.experts)
      return fail("[model.moe] top_k = " + std::to_string(m.moe.topK) +
                  " must be in [1, experts = " + std::to_string(m.moe.experts) +
                  "]");
    if (m.moe.experts > std::numeric_limits<int32_t>::max())
      return fail("[model.moe] experts = " + std::to_string(m.moe.experts) +
                  " does not fit int32 expert indices");
    if (!nonNegative("[model.moe] lb_coef", m.moe.lbCoef) ||
        !nonNegative("[model.moe] z_coef", m.moe.zCoef))
      return false;
  }
  if (t.evalEvery > 0 && t.evalBatches == 0)
    return fail("[train] eval_batches = 0 but eval_every = " +
                std::to_string(t.evalEvery) +
                " asks for evaluations (set eval_every = 0 to turn them off)");
  return true;
}

std::string sddrt::configToJSON(const Config &config) {
  nlohmann::ordered_json root;
  for (const Field &field : kFields) {
    if (!isActive(field, config))
      continue;
    nlohmann::ordered_json &slot = isMoEField(field)
                                       ? root["model"]["moe"][field.key]
                                       : root[field.section][field.key];
    switch (field.kind) {
    case Kind::Int:
      slot = field.ref<int64_t>(config);
      break;
    case Kind::Seed:
      slot = field.ref<uint64_t>(config);
      break;
    case Kind::Float:
      slot = std::string(field.key) == "init_std"
                 ? config.model.effectiveInitStd()
                 : field.ref<double>(config);
      break;
    case Kind::Bool:
      slot = field.ref<bool>(config);
      break;
    case Kind::Norm:
      slot = normName(field.ref<NormKind>(config));
      break;
    case Kind::Linear:
      slot = linearName(field.ref<LinearKind>(config));
      break;
    }
  }
  return root.dump();
}

bool sddrt::configFromJSON(const std::string &text, Config &config,
                           std::string &error) {
  nlohmann::json root = nlohmann::json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    error = "config is not a JSON object";
    return false;
  }
  Config result;
  try {
    for (const auto &section : root.items()) {
      if (!isSection(section.key())) {
        error = "config: unknown section [" + section.key() + "]";
        return false;
      }
      if (!section.value().is_object()) {
        error = "config: [" + section.key() + "] is not an object";
        return false;
      }
      // The items of the section, and those of [model.moe] after them.
      std::vector<std::pair<std::string, const nlohmann::json *>> items;
      for (const auto &item : section.value().items()) {
        if (section.key() == "model" && item.key() == "moe") {
          if (!item.value().is_object()) {
            error = "config: [model.moe] is not an object";
            return false;
          }
          result.model.moe.enabled = true;
          for (const auto &moeItem : item.value().items())
            items.emplace_back("moe." + moeItem.key(), &moeItem.value());
          continue;
        }
        items.emplace_back(item.key(), &item.value());
      }
      for (const auto &[itemKey, valuePtr] : items) {
        bool moe = itemKey.rfind("moe.", 0) == 0;
        std::string sectionName = moe ? "model.moe" : section.key();
        std::string key = moe ? itemKey.substr(4) : itemKey;
        const Field *field = findField(sectionName, key);
        if (!field) {
          error = "config: [" + sectionName + "] unknown key '" + key + "'";
          return false;
        }
        const nlohmann::json &value = *valuePtr;
        bool ok = true;
        switch (field->kind) {
        case Kind::Int:
          ok = value.is_number_integer();
          if (ok)
            field->ref<int64_t>(result) = value.get<int64_t>();
          break;
        case Kind::Seed:
          ok = value.is_number_unsigned();
          if (ok)
            field->ref<uint64_t>(result) = value.get<uint64_t>();
          break;
        case Kind::Float:
          ok = value.is_number();
          if (ok)
            field->ref<double>(result) = value.get<double>();
          break;
        case Kind::Bool:
          ok = value.is_boolean();
          if (ok)
            field->ref<bool>(result) = value.get<bool>();
          break;
        case Kind::Norm:
          ok = value.is_string() && parseNorm(value.get<std::string>(),
                                              field->ref<NormKind>(result));
          break;
        case Kind::Linear:
          ok = value.is_string() && parseLinear(value.get<std::string>(),
                                                field->ref<LinearKind>(result));
          break;
        }
        if (!ok) {
          error = "config: " + field->name() + " = " + value.dump() +
                  " has the wrong type";
          return false;
        }
      }
    }
  } catch (const std::exception &e) {
    error = std::string("config: ") + e.what();
    return false;
  }
  std::string problem;
  if (!validateConfig(result, problem)) {
    error = "config: " + problem;
    return false;
  }
  config = result;
  return true;
}

std::string sddrt::configToTOML(const Config &config) {
  std::string text;
  std::string section;
  for (const Field &field : kFields) {
    if (!isActive(field, config))
      continue;
    if (section != field.section) {
      section = field.section;
      text += (text.empty() ? "[" : "\n[") + section + "]\n";
    }
    text += std::string(field.key) + " = " + formatValue(field, config) + "\n";
  }
  return text;
}

std::string sddrt::modelDifference(const Config &a, const Config &b) {
  if (a.model.moe.enabled != b.model.moe.enabled)
    return std::string("[model.moe] ") +
           (a.model.moe.enabled ? "present" : "absent") + " vs " +
           (b.model.moe.enabled ? "present" : "absent");
  for (const Field &field : kFields) {
    std::string key = field.key;
    if (!isActive(field, a))
      continue;
    if (std::string(field.section) == "train" && key != "seq_len" &&
        key != "batch_size")
      continue;
    std::string left = formatValue(field, a);
    std::string right = formatValue(field, b);
    if (left != right)
      return field.name() + " = " + left + " vs " + right;
  }
  return "";
}
