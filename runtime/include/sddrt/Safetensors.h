//===- Safetensors.h - safetensors files ------------------------*- C++ -*-===//
//
// The format of Hugging Face's safetensors: an 8-byte little-endian header
// length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__": {string: string}}, then the data. Checkpoints and the
// --dump-step0 file use it, so PyTorch and Hugging Face tools read them.
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_SAFETENSORS_H
#define SDDRT_SAFETENSORS_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sddrt {

enum class DType {
  F64,
  F32,
  F16,
  BF16,
  I64,
  I32,
  I16,
  I8,
  U64,
  U32,
  U16,
  U8,
  Bool
};

/// The safetensors name ("F32", ...) and the size of one element in bytes.
const char *dtypeName(DType dtype);
size_t dtypeSize(DType dtype);
bool parseDType(const std::string &name, DType &dtype);

/// Writes a safetensors file from buffers that the caller keeps alive until
/// write() returns. Tensors are laid out in the order they were added.
class SafetensorsWriter {
public:
  void add(const std::string &name, DType dtype,
           const std::vector<int64_t> &shape, const void *data);
  void setMetadata(const std::string &key, const std::string &value) {
    metadata[key] = value;
  }

  /// Writes `path` atomically: a temporary file in the same folder, flushed
  /// to disk, then renamed over `path`. On failure `path` is untouched.
  bool write(const std::string &path, std::string &error) const;

  /// The complete file contents (header and data).
  std::string serialize() const;

private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    const void *data;
    size_t bytes;
  };
  std::vector<Entry> entries;
  std::map<std::string, std::string> metadata;
};

struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  /// Byte offsets into the data section.
  uint64_t begin = 0, end = 0;

  int64_t numel() const;
};

/// A safetensors file read into memory and validated: header length against
/// the file size, JSON syntax and schema, dtypes, every tensor's offsets
/// inside the data section and equal to dtype size * shape, no overlaps, no
/// holes.
class SafetensorsFile {
public:
  /// Reads and validates `path`; messages start with the path.
  bool open(const std::string &path, std::string &error);
  /// Validates file contents; `path` is used in messages only.
  bool parse(std::string contents, const std::string &path, std::string &error);

  const std::string &path() const { return filePath; }
  const std::vector<TensorInfo> &tensors() const { return infos; }
  const std::map<std::string, std::string> &metadata() const { return meta; }
  const TensorInfo *find(const std::string &name) const;
  const uint8_t *data(const TensorInfo &info) const;

  /// Copies tensor `name` into `out`, checking that it exists with `dtype`
  /// and `shape`; messages name the file and the tensor.
  bool read(const std::string &name, DType dtype,
            const std::vector<int64_t> &shape, void *out,
            std::string &error) const;

private:
  std::string filePath;
  std::string bytes;
  size_t dataStart = 0;
  std::vector<TensorInfo> infos;
  std::map<std::string, std::string> meta;
};

/// "[2, 3]".
std::string formatShape(const std::vector<int64_t> &shape);

} // namespace sddrt

#endif // SDDRT_SAFETENSORS_H
