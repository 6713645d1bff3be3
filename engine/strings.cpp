#include "engine/strings.hpp"

#include <algorithm>
#include <numeric>

namespace skinheal {

int edit_distance(const std::string& a, const std::string& b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  std::iota(prev.begin(), prev.end(), 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const int subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::string suggest_nearest(const std::string& word, const std::vector<std::string>& candidates) {
  if (candidates.empty()) return "";
  int best = 1 << 30;
  const std::string* nearest = nullptr;
  for (const std::string& c : candidates) {
    const int d = edit_distance(word, c);
    if (d < best) {
      best = d;
      nearest = &c;
    }
  }
  const int limit = std::max<int>(2, static_cast<int>(word.size()) / 3);
  if (nearest && best <= limit) return "; did you mean '" + *nearest + "'?";
  return "; valid: " + join(candidates, ", ");
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace skinheal
