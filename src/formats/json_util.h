// Appending to an ordered_json object without its linear duplicate search
// (ordered_map::operator[] scans every key, so building an object with n keys that
// way is O(n^2): a denial of service with hostile files). Callers guarantee that
// `key` is new.
#pragma once
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

}  // namespace hart
