/*
 * rp_elf_check: is this file a shared object for this machine that defines `symbol`? Answered from
 * the file's bytes (its ELF header and dynamic symbol table), before anything of it is loaded: a
 * file that fails never had a constructor run. Every offset and size read from the file is
 * checked against the file's size before use.
 */
#include "rp_loader.h"

#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_MACHINE EM_RISCV
#else
#error "rp_elf_check: add this machine's EM_ value"
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_DATA ELFDATA2LSB
#else
#define HOST_DATA ELFDATA2MSB
#endif

/* Whether [offset, offset + count * size) lies within a file of `file_size` bytes, without overflow.
 * The tables must also start at a multiple of 8 (their fields are 8-byte words): the buffer is
 * malloc'ed, so such an offset is aligned for reading them in place. */
static int within(uint64_t offset, uint64_t count, uint64_t size, uint64_t file_size) {
  if (offset > file_size || (size != 0 && count > (file_size - offset) / size)) {
    return 0;
  }
  return 1;
}

/* elf_problem's answer when the file is a shared object for this machine without the symbol. */
static const char no_symbol[] = "it does not export";

/* The check proper, over the file's bytes. Returns NULL when the file passes, else why it fails. */
static const char *elf_problem(const unsigned char *bytes, uint64_t size, const char *symbol) {
  const Elf64_Ehdr *header = (const Elf64_Ehdr *)bytes;
  const Elf64_Shdr *sections;
  size_t i;

  if (size < sizeof(Elf64_Ehdr) || memcmp(header->e_ident, ELFMAG, SELFMAG) != 0) {
    return "it is not an ELF file";
  }
  if (header->e_ident[EI_CLASS] != ELFCLASS64 || header->e_ident[EI_DATA] != HOST_DATA ||
      header->e_machine != HOST_MACHINE) {
    return "it is an ELF file for another machine";
  }
  if (header->e_type != ET_DYN) {
    return "it is not a shared object (ELF type is not ET_DYN)";
  }
  if (header->e_shentsize != sizeof(Elf64_Shdr) ||
      !within(header->e_shoff, header->e_shnum, sizeof(Elf64_Shdr), size) ||
      header->e_shoff % sizeof(Elf64_Xword) != 0) {
    return "its section headers are missing or truncated";
  }
  sections = (const Elf64_Shdr *)(bytes + header->e_shoff);
  for (i = 0; i < header->e_shnum; i++) {
    const Elf64_Shdr *symbols = &sections[i];
    const Elf64_Shdr *strings;
    const char *names;
    size_t count;
    size_t j;

    if (symbols->sh_type != SHT_DYNSYM) {
      continue;
    }
    if (symbols->sh_entsize != sizeof(Elf64_Sym) || symbols->sh_link >= header->e_shnum ||
        !within(symbols->sh_offset, symbols->sh_size / sizeof(Elf64_Sym), sizeof(Elf64_Sym), size) ||
        symbols->sh_offset % sizeof(Elf64_Xword) != 0) {
      return "its dynamic symbol table is truncated";
    }
    strings = &sections[symbols->sh_link];
    if (strings->sh_type != SHT_STRTAB || !within(strings->sh_offset, strings->sh_size, 1, size)) {
      return "its dynamic string table is truncated";
    }
    names = (const char *)bytes + strings->sh_offset;
    count = symbols->sh_size / sizeof(Elf64_Sym);
    for (j = 0; j < count; j++) {
      const Elf64_Sym *entry = (const Elf64_Sym *)(bytes + symbols->sh_offset) + j;
      size_t room;
      if (entry->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(entry->st_info) != STT_FUNC ||
          (ELF64_ST_BIND(entry->st_info) != STB_GLOBAL && ELF64_ST_BIND(entry->st_info) != STB_WEAK) ||
          entry->st_name >= strings->sh_size) {
        continue;
      }
      room = strings->sh_size - entry->st_name;
      if (strnlen(names + entry->st_name, room) < room &&
          strcmp(names + entry->st_name, symbol) == 0) {
        return NULL;
      }
    }
  }
  return no_symbol;
}

/* Reads the whole file (`size` bytes, as fstat said) into a new buffer; NULL if it cannot. */
static unsigned char *read_all(int fd, size_t size) {
  unsigned char *bytes = malloc(size);
  size_t done = 0;
  while (bytes != NULL && done < size) {
    ssize_t got = pread(fd, bytes + done, size - done, (off_t)done);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) { /* an error, or the file shrank since fstat */
      free(bytes);
      return NULL;
    }
    done += (size_t)got;
  }
  return bytes;
}

rp_status rp_elf_check(int fd, const char *path, const char *symbol, const char *kind,
                       uint64_t max_bytes, char *error, size_t error_capacity) {
  struct stat status;
  unsigned char *bytes;
  const char *problem;

  if (fstat(fd, &status) != 0) {
    snprintf(error, error_capacity, "cannot load %s: cannot stat it", path);
    return RP_IO;
  }
  if (!S_ISREG(status.st_mode)) {
    snprintf(error, error_capacity, "refused %s: it is not a regular file", path);
    return RP_NOT_A_FILE;
  }
  if ((uint64_t)status.st_size > max_bytes) {
    snprintf(error, error_capacity, "refused %s: %lld bytes, over the limit of %llu bytes for %s",
             path, (long long)status.st_size, (unsigned long long)max_bytes, kind);
    return RP_TOO_LARGE;
  }
  if (status.st_size == 0) {
    snprintf(error, error_capacity, "refused %s: it is not %s (an empty file)", path, kind);
    return RP_ABI_MISMATCH;
  }
  bytes = read_all(fd, (size_t)status.st_size);
  if (bytes == NULL) {
    snprintf(error, error_capacity, "cannot load %s: cannot read it to check it", path);
    return RP_IO;
  }
  problem = elf_problem(bytes, (uint64_t)status.st_size, symbol);
  free(bytes);
  if (problem == no_symbol) {
    snprintf(error, error_capacity, "refused %s: it is not %s (it does not export %s)", path, kind,
             symbol);
    return RP_ABI_MISMATCH;
  }
  if (problem != NULL) {
    snprintf(error, error_capacity, "refused %s: it is not %s (%s)", path, kind, problem);
    return RP_ABI_MISMATCH;
  }
  return RP_OK;
}
