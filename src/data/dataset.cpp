// Class lookup by a name as a person would type it.
#include "gf/data/dataset.hpp"

#include <cctype>

#include "gf/core/parse_number.hpp"

namespace gf::data {
namespace {

// Lower case, letters and digits only: "Ankle boot" -> "ankleboot".
std::string simplify(const std::string& s) {
  std::string out;
  for (unsigned char c : s)
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
  return out;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Whether the simplified query names `name` or one of its '/'-separated parts.
bool matches(const std::string& name, const std::string& query) {
  std::vector<std::string> forms{simplify(name)};
  std::size_t start = 0;
  for (std::size_t slash; (slash = name.find('/', start)) != std::string::npos; start = slash + 1)
    forms.push_back(simplify(name.substr(start, slash - start)));
  forms.push_back(simplify(name.substr(start)));
  std::vector<std::string> singulars{query};
  if (ends_with(query, "s")) singulars.push_back(query.substr(0, query.size() - 1));   // sneakers
  if (ends_with(query, "es")) singulars.push_back(query.substr(0, query.size() - 2));  // dresses
  for (const auto& f : forms)
    for (const auto& q : singulars)
      if (!f.empty() && f == q) return true;
  return false;
}

}  // namespace

std::int64_t find_class(const std::vector<std::string>& names, const std::string& query) {
  const std::string q = simplify(query);
  for (std::size_t i = 0; i < names.size(); ++i)
    if (matches(names[i], q)) return static_cast<std::int64_t>(i);
  if (const auto index = parse_number<std::size_t>(q); index && *index < names.size())
    return static_cast<std::int64_t>(*index);
  std::string known;
  for (std::size_t i = 0; i < names.size(); ++i) known += (i ? ", " : "") + std::to_string(i) + " " + names[i];
  throw Error(detail::concat("find_class: no class named \"", query, "\"; the classes are: ", known));
}

}  // namespace gf::data
