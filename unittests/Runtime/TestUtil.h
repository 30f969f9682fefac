//===- TestUtil.h - helpers of the runtime unit tests -----------*- C++ -*-===//

#ifndef SDDRT_UNITTESTS_TESTUTIL_H
#define SDDRT_UNITTESTS_TESTUTIL_H

#include "sddrt/FileUtil.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <fstream>
#include <string>

namespace sddrt_test {

/// A fresh folder under the test temporary folder, removed at the end.
class TempDir {
public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "sddrt-test-XXXXXX";
    path = ::mkdtemp(pattern.data()) ? pattern : "";
    EXPECT_FALSE(path.empty());
  }
  ~TempDir() { sddrt::removeTree(path); }
  std::string file(const std::string &name) const { return path + "/" + name; }
  std::string path;
};

inline void writeFile(const std::string &path, const std::string &contents) {
  std::ofstream(path, std::ios::binary) << contents;
}

inline std::string readFile(const std::string &path) {
  std::string contents, error;
  EXPECT_TRUE(sddrt::readWholeFile(path, contents, error)) << error;
  return contents;
}

} // namespace sddrt_test

#endif // SDDRT_UNITTESTS_TESTUTIL_H
