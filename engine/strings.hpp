/// \file strings.hpp
/// \brief Small string helpers used in error messages (nearest-key suggestions, joins).
#pragma once

#include <string>
#include <vector>

namespace skinheal {

/// Levenshtein edit distance.
int edit_distance(const std::string& a, const std::string& b);
/// "; did you mean 'x'?" for the nearest candidate within a sensible distance, else
/// "; valid: a, b, c" (or "" when there are no candidates).
std::string suggest_nearest(const std::string& word, const std::vector<std::string>& candidates);
/// Join with a separator.
std::string join(const std::vector<std::string>& items, const std::string& sep);
/// `s` without leading and trailing spaces and tabs.
std::string trim(const std::string& s);

}  // namespace skinheal
