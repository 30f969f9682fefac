//===- SafetensorsTest.cpp - safetensors round trip and corruption --------===//

#include "sddrt/Safetensors.h"

#include "TestUtil.h"

#include <nlohmann/json.hpp>

#include <cstring>

using namespace sddrt;
using sddrt_test::TempDir;

namespace {

/// A file of the length field `length` followed by `rest`.
std::string withLength(uint64_t length, const std::string &rest) {
  std::string out;
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  return out + rest;
}

/// A file whose header is `header` and whose data section is `data`.
std::string makeFile(const std::string &header, const std::string &data) {
  return withLength(header.size(), header + data);
}

std::string parseError(const std::string &contents) {
  SafetensorsFile file;
  std::string error;
  if (file.parse(contents, "f.safetensors", error))
    return "";
  return error;
}

TEST(SafetensorsTest, RoundTrip) {
  float a[6] = {1, 2, 3, 4, 5, 6};
  int32_t b[3] = {-1, 7, 1 << 30};
  uint8_t c[1] = {9};
  SafetensorsWriter writer;
  writer.add("a", DType::F32, {2, 3}, a);
  writer.add("layers.0.b", DType::I32, {3}, b);
  writer.add("c", DType::U8, {}, c);
  writer.add("empty", DType::F32, {0, 4}, nullptr);
  writer.setMetadata("config", "{\"x\": 1}");
  writer.setMetadata("step", "12");

  TempDir dir;
  std::string path = dir.file("t.safetensors"), error;
  ASSERT_TRUE(writer.write(path, error)) << error;
  std::string bytes = sddrt_test::readFile(path);
  EXPECT_EQ(bytes, writer.serialize());
  // The data starts 8-byte aligned.
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  EXPECT_EQ(length % 8, 0u);
  // Nothing but the file is left in the folder.
  EXPECT_FALSE(sddrt::fileExists(path + ".tmp." + std::to_string(getpid())));

  SafetensorsFile file;
  ASSERT_TRUE(file.open(path, error)) << error;
  EXPECT_EQ(file.tensors().size(), 4u);
  EXPECT_EQ(file.metadata().at("config"), "{\"x\": 1}");
  EXPECT_EQ(file.metadata().at("step"), "12");
  float a2[6];
  ASSERT_TRUE(file.read("a", DType::F32, {2, 3}, a2, error)) << error;
  EXPECT_EQ(std::memcmp(a, a2, sizeof(a)), 0);
  int32_t b2[3];
  ASSERT_TRUE(file.read("layers.0.b", DType::I32, {3}, b2, error)) << error;
  EXPECT_EQ(std::memcmp(b, b2, sizeof(b)), 0);
  const TensorInfo *scalar = file.find("c");
  ASSERT_TRUE(scalar);
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(*file.data(*scalar), 9);
  EXPECT_EQ(file.find("empty")->numel(), 0);

  EXPECT_FALSE(file.read("a", DType::F32, {3, 2}, a2, error));
  EXPECT_EQ(error, path + ": tensor 'a' is F32 [2, 3], expected F32 [3, 2]");
  EXPECT_FALSE(file.read("a", DType::I32, {2, 3}, a2, error));
  EXPECT_EQ(error, path + ": tensor 'a' is F32 [2, 3], expected I32 [2, 3]");
  EXPECT_FALSE(file.read("d", DType::F32, {1}, a2, error));
  EXPECT_EQ(error, path + ": no tensor 'd'");
}

TEST(SafetensorsTest, WriteReplacesAtomically) {
  TempDir dir;
  std::string path = dir.file("t.safetensors"), error;
  sddrt_test::writeFile(path, "old");
  float x = 1;
  SafetensorsWriter writer;
  writer.add("x", DType::F32, {1}, &x);
  ASSERT_TRUE(writer.write(path, error));
  EXPECT_EQ(sddrt_test::readFile(path), writer.serialize());
  // A folder that does not exist: the error names the file.
  EXPECT_FALSE(writer.write(dir.file("no/t.safetensors"), error));
  EXPECT_EQ(error, dir.file("no/t.safetensors") +
                       ": cannot write: No such file or directory");
}

TEST(SafetensorsTest, MissingFile) {
  SafetensorsFile file;
  std::string error;
  EXPECT_FALSE(file.open("/nonexistent/x.safetensors", error));
  EXPECT_EQ(
      error,
      "/nonexistent/x.safetensors: cannot open: No such file or directory");
}

TEST(SafetensorsTest, TruncatedOrLyingHeader) {
  EXPECT_EQ(parseError(""), "f.safetensors: not a safetensors file: 0 bytes, "
                            "shorter than the 8-byte header length");
  EXPECT_EQ(parseError("abc"), "f.safetensors: not a safetensors file: 3 "
                               "bytes, shorter than the 8-byte header length");
  EXPECT_EQ(parseError(withLength(100, "{}")),
            "f.safetensors: truncated safetensors file: the header length is "
            "100 bytes but only 2 follow");
  EXPECT_EQ(parseError(withLength(uint64_t(1) << 60, "{}")),
            "f.safetensors: truncated safetensors file: the header length is "
            "1152921504606846976 bytes but only 2 follow");
  EXPECT_EQ(
      parseError(withLength(0, "")),
      "f.safetensors: safetensors header of 0 bytes is not a JSON object");
  // A header length shorter than the JSON cuts it.
  EXPECT_EQ(parseError(withLength(5, "{\"a\": 1}")),
            "f.safetensors: invalid safetensors header: parse error at line "
            "1, column 6: syntax error while parsing value - unexpected end "
            "of input; expected '[', '{', or a literal");
}

TEST(SafetensorsTest, InvalidHeaderJSON) {
  EXPECT_EQ(parseError(makeFile("{\"a\": ", "")),
            "f.safetensors: invalid safetensors header: parse error at line "
            "1, column 7: syntax error while parsing value - unexpected end "
            "of input; expected '[', '{', or a literal");
  EXPECT_EQ(parseError(makeFile("[1, 2]", "")),
            "f.safetensors: invalid safetensors header: not a JSON object");
  EXPECT_EQ(parseError(makeFile("{\"__metadata__\": 3}", "")),
            "f.safetensors: invalid safetensors header: __metadata__ is not "
            "an object");
  EXPECT_EQ(parseError(makeFile("{\"__metadata__\": {\"step\": 3}}", "")),
            "f.safetensors: invalid safetensors header: __metadata__ value "
            "'step' is not a string");
  EXPECT_EQ(parseError(makeFile("{}", "")), "");
}

TEST(SafetensorsTest, InvalidTensorEntries) {
  auto entry = [](const std::string &body) {
    return makeFile("{\"t\": " + body + "}", std::string(8, '\0'));
  };
  EXPECT_EQ(parseError(entry("3")),
            "f.safetensors: tensor 't': header entry is not an object");
  EXPECT_EQ(parseError(entry(
                R"({"dtype": "F31", "shape": [2], "data_offsets": [0, 8]})")),
            "f.safetensors: tensor 't': missing or unknown dtype \"F31\"");
  EXPECT_EQ(parseError(entry(R"({"shape": [2], "data_offsets": [0, 8]})")),
            "f.safetensors: tensor 't': missing or unknown dtype");
  EXPECT_EQ(parseError(entry(R"({"dtype": "F32", "data_offsets": [0, 8]})")),
            "f.safetensors: tensor 't': missing shape");
  EXPECT_EQ(
      parseError(
          entry(R"({"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]})")),
      "f.safetensors: tensor 't': shape [-2] has a dimension that is not a "
      "non-negative integer");
  EXPECT_EQ(parseError(entry(
                R"({"dtype": "F32", "shape": [2], "data_offsets": [0]})")),
            "f.safetensors: tensor 't': data_offsets must be two non-negative "
            "integers");
  EXPECT_EQ(
      parseError(
          entry(R"({"dtype": "F32", "shape": [2], "data_offsets": [0, 16]})")),
      "f.safetensors: tensor 't': data_offsets [0, 16] lie outside the data "
      "section of 8 bytes");
  EXPECT_EQ(
      parseError(
          entry(R"({"dtype": "F32", "shape": [2], "data_offsets": [8, 0]})")),
      "f.safetensors: tensor 't': data_offsets [8, 0] lie outside the data "
      "section of 8 bytes");
  EXPECT_EQ(
      parseError(
          entry(R"({"dtype": "F32", "shape": [3], "data_offsets": [0, 8]})")),
      "f.safetensors: tensor 't': data_offsets [0, 8] hold 8 bytes but F32 "
      "[3] needs 12");
  EXPECT_EQ(
      parseError(entry(
          R"({"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]})")),
      "f.safetensors: tensor 't': shape [4294967296, 4294967296] is too "
      "large");
  EXPECT_EQ(parseError(entry(
                R"({"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})")),
            "");
}

TEST(SafetensorsTest, OffsetsMustTileTheData) {
  std::string data(16, '\0');
  EXPECT_EQ(parseError(makeFile(
                R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
              "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                data)),
            "f.safetensors: tensor 'b': data_offsets [4, 12] overlap another "
            "tensor's bytes");
  EXPECT_EQ(
      parseError(makeFile(
          R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
              "b": {"dtype": "F32", "shape": [1], "data_offsets": [12, 16]}})",
          data)),
      "f.safetensors: tensor 'b': data_offsets [12, 16] leave the bytes [8, "
      "12) unused");
  EXPECT_EQ(
      parseError(makeFile(
          R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})",
          data)),
      "f.safetensors: the data section has 16 bytes but the tensors use 8");
}

TEST(SafetensorsTest, TruncatedData) {
  float values[4] = {1, 2, 3, 4};
  SafetensorsWriter writer;
  writer.add("x", DType::F32, {4}, values);
  std::string bytes = writer.serialize();
  bytes.resize(bytes.size() - 3);
  EXPECT_EQ(parseError(bytes),
            "f.safetensors: tensor 'x': data_offsets [0, 16] lie outside the "
            "data section of 13 bytes");
  // Cut inside the header.
  std::string cut = writer.serialize().substr(0, 20);
  EXPECT_NE(parseError(cut).find("truncated safetensors file: the header "
                                 "length is"),
            std::string::npos);
}

TEST(SafetensorsTest, DTypeNames) {
  for (const char *name : {"F64", "F32", "F16", "BF16", "I64", "I32", "I16",
                           "I8", "U64", "U32", "U16", "U8", "BOOL"}) {
    DType dtype;
    ASSERT_TRUE(parseDType(name, dtype)) << name;
    EXPECT_STREQ(dtypeName(dtype), name);
  }
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_EQ(dtypeSize(DType::I64), 8u);
  DType dtype;
  EXPECT_FALSE(parseDType("f32", dtype));
}

} // namespace
