// The committed op and pass docs must match what TableGen generates from the
// current sources; regenerate them with `ninja -C build sdd-docs`.
// RUN: diff -u %sdd_src_root/docs/generated/SDDDialect.md %sdd_obj_root/docs/SDD/SDDDialect.md
// RUN: diff -u %sdd_src_root/docs/generated/SDDPasses.md %sdd_obj_root/docs/SDD/SDDPasses.md
// RUN: diff -u %sdd_src_root/docs/generated/SDDConversionPasses.md %sdd_obj_root/docs/SDD/SDDConversionPasses.md
// RUN: diff -u %sdd_src_root/docs/generated/SDDGPUPasses.md %sdd_obj_root/docs/SDD/SDDGPUPasses.md
