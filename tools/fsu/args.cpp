#include "tools/fsu/args.h"

#include <cstring>

namespace fsu {

bool Parsed::has(int key) const {
  for (const auto& [k, v] : opts) {
    if (k == key) return true;
  }
  return false;
}

std::string Parsed::value(int key, const std::string& dflt) const {
  std::string r = dflt;
  for (const auto& [k, v] : opts) {
    if (k == key) r = v;
  }
  return r;
}

bool parse_args(const Context& ctx, const Args& args, const char* shortopts,
                const std::vector<LongOpt>& longopts, Parsed& out, bool permute) {
  bool only_operands = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_operands || a.size() < 2 || a[0] != '-') {
      out.operands.push_back(a);
      if (!permute) only_operands = true;
      continue;
    }
    if (a == "--") {
      only_operands = true;
      continue;
    }
    if (a[1] == '-') {
      std::string name = a.substr(2), val;
      bool has_val = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        val = name.substr(eq + 1);
        name.resize(eq);
        has_val = true;
      }
      const LongOpt* found = nullptr;
      for (const LongOpt& lo : longopts) {
        if (name == lo.name) found = &lo;
      }
      if (!found) {
        ctx.fail(a, "unknown option");
        return false;
      }
      if (found->has_arg && !has_val) {
        if (i + 1 >= args.size()) {
          ctx.fail(a, "needs an argument");
          return false;
        }
        val = args[++i];
      } else if (!found->has_arg && has_val) {
        ctx.fail(a, "takes no argument");
        return false;
      }
      out.opts.emplace_back(found->key, val);
      continue;
    }
    for (size_t j = 1; j < a.size(); ++j) {
      const char* p = a[j] == ':' ? nullptr : std::strchr(shortopts, a[j]);
      if (!p) {
        ctx.fail(std::string("-") + a[j], "unknown option");
        return false;
      }
      if (p[1] == ':') {
        std::string val;
        if (j + 1 < a.size()) {
          val = a.substr(j + 1);
        } else if (i + 1 < args.size()) {
          val = args[++i];
        } else {
          ctx.fail(std::string("-") + a[j], "needs an argument");
          return false;
        }
        out.opts.emplace_back(a[j], val);
        break;
      }
      out.opts.emplace_back(a[j], "");
    }
  }
  return true;
}

}  // namespace fsu
