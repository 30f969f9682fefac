//===- Safetensors.cpp - safetensors files --------------------------------===//

#include "sddrt/Safetensors.h"

#include "sddrt/FileUtil.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <tuple>

using namespace sddrt;

namespace {

struct DTypeInfo {
  DType dtype;
  const char *name;
  size_t size;
};

const DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 8},   {DType::F32, "F32", 4}, {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8}, {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},   {DType::I8, "I8", 1},   {DType::U64, "U64", 8},
    {DType::U32, "U32", 4},   {DType::U16, "U16", 2}, {DType::U8, "U8", 1},
    {DType::Bool, "BOOL", 1},
};

const DTypeInfo &info(DType dtype) {
  for (const DTypeInfo &entry : kDTypes)
    if (entry.dtype == dtype)
      return entry;
  return kDTypes[0];
}

/// Larger headers are refused (as the reference implementation does), so a
/// lying length cannot make the reader allocate gigabytes.
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

/// numel of `shape`, false on a negative dimension or overflow.
bool countElements(const std::vector<int64_t> &shape, uint64_t &count) {
  count = 1;
  for (int64_t dim : shape) {
    if (dim < 0 ||
        __builtin_mul_overflow(count, static_cast<uint64_t>(dim), &count) ||
        count > (uint64_t(1) << 60))
      return false;
  }
  return true;
}

} // namespace

const char *sddrt::dtypeName(DType dtype) { return info(dtype).name; }
size_t sddrt::dtypeSize(DType dtype) { return info(dtype).size; }

bool sddrt::parseDType(const std::string &name, DType &dtype) {
  for (const DTypeInfo &entry : kDTypes)
    if (name == entry.name) {
      dtype = entry.dtype;
      return true;
    }
  return false;
}

std::string sddrt::formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

int64_t TensorInfo::numel() const {
  uint64_t count = 0;
  countElements(shape, count);
  return static_cast<int64_t>(count);
}

//===----------------------------------------------------------------------===//
// Writer
//===----------------------------------------------------------------------===//

void SafetensorsWriter::add(const std::string &name, DType dtype,
                            const std::vector<int64_t> &shape,
                            const void *data) {
  uint64_t count = 0;
  countElements(shape, count);
  entries.push_back({name, dtype, shape, data, count * dtypeSize(dtype)});
}

std::string SafetensorsWriter::serialize() const {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const Entry &entry : entries) {
    header[entry.name] = {{"dtype", dtypeName(entry.dtype)},
                          {"shape", entry.shape},
                          {"data_offsets", {offset, offset + entry.bytes}}};
    offset += entry.bytes;
  }
  std::string json = header.dump();
  // Pad with spaces so that the data starts 8-byte aligned.
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + json.size() + offset);
  uint64_t length = json.size();
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  out += json;
  for (const Entry &entry : entries)
    out.append(static_cast<const char *>(entry.data), entry.bytes);
  return out;
}

bool SafetensorsWriter::write(const std::string &path,
                              std::string &error) const {
  return writeFileAtomically(path, serialize(), error);
}

//===----------------------------------------------------------------------===//
// Reader
//===----------------------------------------------------------------------===//

bool SafetensorsFile::open(const std::string &path, std::string &error) {
  std::string contents;
  if (!readWholeFile(path, contents, error))
    return false;
  return parse(std::move(contents), path, error);
}

bool SafetensorsFile::parse(std::string contents, const std::string &path,
                            std::string &error) {
  filePath = path;
  bytes = std::move(contents);
  infos.clear();
  meta.clear();
  auto fail = [&](const std::string &message) {
    error = path + ": " + message;
    return false;
  };
  if (bytes.size() < 8)
    return fail("not a safetensors file: " + std::to_string(bytes.size()) +
                " bytes, shorter than the 8-byte header length");
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i)
    length |= uint64_t(static_cast<uint8_t>(bytes[i])) << (8 * i);
  uint64_t available = bytes.size() - 8;
  if (length > available)
    return fail("truncated safetensors file: the header length is " +
                std::to_string(length) + " bytes but only " +
                std::to_string(available) + " follow");
  if (length > kMaxHeaderBytes)
    return fail("safetensors header length " + std::to_string(length) +
                " is larger than the 100 MiB limit");
  if (length < 2)
    return fail("safetensors header of " + std::to_string(length) +
                " bytes is not a JSON object");
  nlohmann::json header;
  try {
    header =
        nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + length);
  } catch (const std::exception &e) {
    std::string what = e.what();
    // nlohmann's messages start with "[json.exception.parse_error.101] ".
    size_t bracket = what.find("] ");
    if (bracket != std::string::npos)
      what = what.substr(bracket + 2);
    // ... and may end with a quote of the input.
    size_t quote = what.find("; last read:");
    if (quote != std::string::npos)
      what.resize(quote);
    return fail("invalid safetensors header: " + what);
  }
  if (!header.is_object())
    return fail("invalid safetensors header: not a JSON object");
  dataStart = 8 + length;
  uint64_t dataSize = bytes.size() - dataStart;

  for (const auto &item : header.items()) {
    const std::string &name = item.key();
    const nlohmann::json &value = item.value();
    if (name == "__metadata__") {
      if (!value.is_object())
        return fail("invalid safetensors header: __metadata__ is not an "
                    "object");
      for (const auto &entry : value.items()) {
        if (!entry.value().is_string())
          return fail("invalid safetensors header: __metadata__ value '" +
                      entry.key() + "' is not a string");
        meta[entry.key()] = entry.value().get<std::string>();
      }
      continue;
    }
    std::string where = "tensor '" + name + "': ";
    if (!value.is_object())
      return fail(where + "header entry is not an object");
    TensorInfo tensor;
    tensor.name = name;
    auto dtype = value.find("dtype");
    if (dtype == value.end() || !dtype->is_string() ||
        !parseDType(dtype->get<std::string>(), tensor.dtype))
      return fail(where + "missing or unknown dtype" +
                  (dtype != value.end() ? " " + dtype->dump() : ""));
    auto shape = value.find("shape");
    if (shape == value.end() || !shape->is_array())
      return fail(where + "missing shape");
    for (const nlohmann::json &dim : *shape) {
      if (!dim.is_number_unsigned())
        return fail(where + "shape " + shape->dump() +
                    " has a dimension that is not a non-negative integer");
      tensor.shape.push_back(dim.get<int64_t>());
    }
    auto offsets = value.find("data_offsets");
    if (offsets == value.end() || !offsets->is_array() ||
        offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
        !(*offsets)[1].is_number_unsigned())
      return fail(where + "data_offsets must be two non-negative integers");
    tensor.begin = (*offsets)[0].get<uint64_t>();
    tensor.end = (*offsets)[1].get<uint64_t>();
    if (tensor.begin > tensor.end || tensor.end > dataSize)
      return fail(where + "data_offsets [" + std::to_string(tensor.begin) +
                  ", " + std::to_string(tensor.end) +
                  "] lie outside the data section of " +
                  std::to_string(dataSize) + " bytes");
    uint64_t count = 0;
    if (!countElements(tensor.shape, count))
      return fail(where + "shape " + formatShape(tensor.shape) +
                  " is too large");
    uint64_t expected = count * dtypeSize(tensor.dtype);
    if (tensor.end - tensor.begin != expected)
      return fail(where + "data_offsets [" + std::to_string(tensor.begin) +
                  ", " + std::to_string(tensor.end) + "] hold " +
                  std::to_string(tensor.end - tensor.begin) + " bytes but " +
                  dtypeName(tensor.dtype) + " " + formatShape(tensor.shape) +
                  " needs " + std::to_string(expected));
    infos.push_back(std::move(tensor));
  }

  // The tensors must tile the data section: no overlap, no hole.
  std::vector<const TensorInfo *> order;
  for (const TensorInfo &tensor : infos)
    order.push_back(&tensor);
  std::sort(order.begin(), order.end(),
            [](const TensorInfo *a, const TensorInfo *b) {
              return std::tie(a->begin, a->end, a->name) <
                     std::tie(b->begin, b->end, b->name);
            });
  uint64_t position = 0;
  for (const TensorInfo *tensor : order) {
    if (tensor->begin < position)
      return fail("tensor '" + tensor->name + "': data_offsets [" +
                  std::to_string(tensor->begin) + ", " +
                  std::to_string(tensor->end) +
                  "] overlap another tensor's bytes");
    if (tensor->begin > position)
      return fail("tensor '" + tensor->name + "': data_offsets [" +
                  std::to_string(tensor->begin) + ", " +
                  std::to_string(tensor->end) + "] leave the bytes [" +
                  std::to_string(position) + ", " +
                  std::to_string(tensor->begin) + ") unused");
    position = tensor->end;
  }
  if (position != dataSize)
    return fail("the data section has " + std::to_string(dataSize) +
                " bytes but the tensors use " + std::to_string(position));
  return true;
}

const TensorInfo *SafetensorsFile::find(const std::string &name) const {
  for (const TensorInfo &tensor : infos)
    if (tensor.name == name)
      return &tensor;
  return nullptr;
}

const uint8_t *SafetensorsFile::data(const TensorInfo &tensor) const {
  return reinterpret_cast<const uint8_t *>(bytes.data()) + dataStart +
         tensor.begin;
}

bool SafetensorsFile::read(const std::string &name, DType dtype,
                           const std::vector<int64_t> &shape, void *out,
                           std::string &error) const {
  const TensorInfo *tensor = find(name);
  if (!tensor) {
    error = filePath + ": no tensor '" + name + "'";
    return false;
  }
  if (tensor->dtype != dtype || tensor->shape != shape) {
    error = filePath + ": tensor '" + name + "' is " +
            dtypeName(tensor->dtype) + " " + formatShape(tensor->shape) +
            ", expected " + dtypeName(dtype) + " " + formatShape(shape);
    return false;
  }
  std::memcpy(out, data(*tensor), tensor->end - tensor->begin);
  return true;
}
