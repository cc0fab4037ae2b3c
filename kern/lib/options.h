// Splits "key=value,key,key=value" strings (bootstrap parameters, mount options) into items.
#pragma once

#include <string_view>

namespace rk {

struct OptionItem {
  std::string_view whole;  // "key=value" as written
  std::string_view key;
  std::string_view value;  // empty without '='
  bool has_value = false;
};

class OptionReader {
 public:
  explicit OptionReader(std::string_view s) : rest_(s) {}
  // The next non-empty item; false at the end.
  bool next(OptionItem& out) {
    while (!rest_.empty()) {
      size_t comma = rest_.find(',');
      std::string_view item = rest_.substr(0, comma);
      rest_ = comma == std::string_view::npos ? std::string_view() : rest_.substr(comma + 1);
      if (item.empty()) continue;
      size_t eq = item.find('=');
      out.whole = item;
      out.key = item.substr(0, eq);
      out.has_value = eq != std::string_view::npos;
      out.value = out.has_value ? item.substr(eq + 1) : std::string_view();
      return true;
    }
    return false;
  }

 private:
  std::string_view rest_;
};

}  // namespace rk
