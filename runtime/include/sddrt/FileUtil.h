//===- FileUtil.h - files and folders for the runtime -----------*- C++ -*-===//

#ifndef SDDRT_FILEUTIL_H
#define SDDRT_FILEUTIL_H

#include <cstdint>
#include <string>

namespace sddrt {

/// Reads all of `path`; messages start with the path and say why.
bool readWholeFile(const std::string &path, std::string &contents,
                   std::string &error);

/// Writes `contents` to a temporary file beside `path`, flushes it to disk
/// and renames it over `path`, so `path` is either the old or the new file.
bool writeFileAtomically(const std::string &path, const std::string &contents,
                         std::string &error);

bool fileExists(const std::string &path);
bool isDirectory(const std::string &path);

/// The modification time in nanoseconds since the epoch (0 when missing).
int64_t modifiedTime(const std::string &path);

/// mkdir -p.
bool makeDirectories(const std::string &path, std::string &error);

/// The folder part of `path` ("." when there is none).
std::string parentPath(const std::string &path);

/// The file name without folder and without its last extension.
std::string stem(const std::string &path);

/// The folder of the running executable (/proc/self/exe).
std::string executableDir();

/// Removes a folder and everything in it (the runtime's own temporary
/// folders only).
void removeTree(const std::string &path);

} // namespace sddrt

#endif // SDDRT_FILEUTIL_H
