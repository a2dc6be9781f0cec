// Appending to an ordered_json object without its linear duplicate search
// (ordered_map::operator[] scans every key, so building an object with n keys that
// way is O(n^2): a denial of service with hostile files). Callers guarantee that
// `key` is new.
#pragma once
#include <cstdint>
#include <limits>
#include <string>

#include "formats/model_file.h"

namespace hart {

inline void append_new_key(ordered_json& object, std::string key, ordered_json value) {
  auto& items = static_cast<ordered_json::object_t::Container&>(object.get_ref<ordered_json::object_t&>());
  items.emplace_back(std::move(key), std::move(value));
}

// Looks up the keys of one object in another (metadata -> metadata_types): O(1) per
// key while both list their keys in the same order, as the readers produce them; a
// linear search only where they disagree. `object` must be a JSON object.
class InOrderLookup {
 public:
  explicit InOrderLookup(const ordered_json& object) : object_(object), next_(object.begin()) {}

  const ordered_json* find(const std::string& key) {
    if (next_ != object_.end() && next_.key() == key) return &*next_++;
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

 private:
  const ordered_json& object_;
  ordered_json::const_iterator next_;
};

// True when `v` is a JSON integer that T holds exactly: how a GGUF integer type
// (u8 .. i64) accepts a metadata value, when written or held compactly.
template <typename T>
bool json_integer_fits(const ordered_json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  if (!v.is_number_integer()) return false;
  int64_t i = v.get<int64_t>();
  if constexpr (std::numeric_limits<T>::is_signed)
    return i >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
           i <= static_cast<int64_t>(std::numeric_limits<T>::max());
  else
    return i >= 0 && static_cast<uint64_t>(i) <= static_cast<uint64_t>(std::numeric_limits<T>::max());
}

// The value of a JSON integer as T; only after json_integer_fits<T>(v).
template <typename T>
T json_integer_as(const ordered_json& v) {
  return v.is_number_unsigned() ? static_cast<T>(v.get<uint64_t>()) : static_cast<T>(v.get<int64_t>());
}

}  // namespace hart
