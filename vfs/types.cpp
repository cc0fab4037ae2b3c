#include "vfs/types.h"

namespace rk::vfs {

uint32_t type_to_ifmt(VType t) {
  switch (t) {
    case VType::kReg: return 0100000;
    case VType::kDir: return 0040000;
    case VType::kBlk: return 0060000;
    case VType::kChr: return 0020000;
    case VType::kLnk: return 0120000;
    case VType::kSock: return 0140000;
    case VType::kFifo: return 0010000;
    case VType::kNon: break;
  }
  return 0;
}

VType ifmt_to_type(uint32_t mode) {
  switch (mode & 0170000) {
    case 0100000: return VType::kReg;
    case 0040000: return VType::kDir;
    case 0060000: return VType::kBlk;
    case 0020000: return VType::kChr;
    case 0120000: return VType::kLnk;
    case 0140000: return VType::kSock;
    case 0010000: return VType::kFifo;
    default: return VType::kNon;
  }
}

uint8_t type_to_dt(VType t) {
  switch (t) {
    case VType::kFifo: return 1;
    case VType::kChr: return 2;
    case VType::kDir: return 4;
    case VType::kBlk: return 6;
    case VType::kReg: return 8;
    case VType::kLnk: return 10;
    case VType::kSock: return 12;
    case VType::kNon: break;
  }
  return 0;
}

}  // namespace rk::vfs
