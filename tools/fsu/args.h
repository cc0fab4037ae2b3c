// Command-line options in the coreutils manner: clustered short options ("-lR"), an option's
// argument attached or next ("-m755", "-m 755"), long options ("--all", "--mode=755",
// "--mode 755"), options anywhere among the operands until "--".
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tools/fsu/fsu.h"

namespace fsu {

struct LongOpt {
  const char* name;  // without the dashes
  int key;           // what parse_args reports: a short option's letter, or a value >= 256
  bool has_arg;
};

struct Parsed {
  std::vector<std::pair<int, std::string>> opts;  // in command-line order
  std::vector<std::string> operands;
  bool has(int key) const;
  // The last value given for key, or `dflt`.
  std::string value(int key, const std::string& dflt = "") const;
};

// `shortopts` as getopt's ("m:pv"). On a bad option prints "prog: -x: unknown option" (or
// "...: needs an argument") and returns false. `permute` false stops at the first operand.
bool parse_args(const Context& ctx, const Args& args, const char* shortopts,
                const std::vector<LongOpt>& longopts, Parsed& out, bool permute = true);

}  // namespace fsu
