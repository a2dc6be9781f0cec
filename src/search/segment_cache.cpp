#include "search/segment_cache.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <list>
#include <unordered_map>

#include "search/ann_segment.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

namespace hart::search {
namespace {

size_t cache_limit_bytes() {
  const char* env = std::getenv("HART_VECTOR_CACHE_MB");
  const long mb = env ? std::strtol(env, nullptr, 10) : 4096;
  return static_cast<size_t>(mb > 0 ? mb : 4096) << 20;
}

class SegmentCache {
 public:
  std::shared_ptr<const SegmentData> find(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  void put(const std::string& key, std::shared_ptr<const SegmentData> data) {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) {
      bytes_ -= it->second->second->memory_bytes();
      lru_.erase(it->second);
      index_.erase(it);
    }
    bytes_ += data->memory_bytes();
    lru_.emplace_front(key, std::move(data));
    index_[key] = lru_.begin();
    // Evicted entries stay alive for the queries still holding them.
    while (bytes_ > limit_ && lru_.size() > 1) {
      bytes_ -= lru_.back().second->memory_bytes();
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }
 private:
  using Entry = std::pair<std::string, std::shared_ptr<const SegmentData>>;
  std::mutex mutex_;
  std::list<Entry> lru_;
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;  // of the entries held
  const size_t limit_ = cache_limit_bytes();
};

SegmentCache& cache() {
  static SegmentCache* c = new SegmentCache;  // never destroyed: queries may run during exit
  return *c;
}

std::shared_ptr<const SegmentData> load(CollectionStore& store, const Scorer& scorer, const SegmentRow& row) {
  if (row.n_vectors < 0 || row.n_vectors > (int64_t{1} << 40))
    throw FormatError("vector collection " + store.table() + ": segment " + std::to_string(row.id) +
                      " claims " + std::to_string(row.n_vectors) + " vectors");
  auto data = std::make_shared<SegmentData>();
  data->id = row.id;
  data->stamp = row.stamp;
  data->n = static_cast<size_t>(row.n_vectors);
  data->row_bytes = scorer.row_bytes();
  const CollectionSpec& spec = store.spec();
  const std::vector<uint8_t> ids = store.read_part(row.id, "ids", data->n * sizeof(int64_t));
  data->ids.resize(data->n);
  std::memcpy(data->ids.data(), ids.data(), ids.size());
  const size_t packed = vector::vector_bytes(spec.type, spec.dim);
  const std::vector<uint8_t> vectors = store.read_part(row.id, "vectors", data->n * packed);
  data->rows.resize(data->n * data->row_bytes);
  for (size_t i = 0; i < data->n; ++i) scorer.prepare(vectors.data() + i * packed, data->rows.data() + i * data->row_bytes);
  if (spec.has_spatial())
    for (bool pca : {false, true}) {
      const size_t bytes = 8 + (pca ? 4 : 3) * spec.dim * sizeof(float);
      const char* part = CollectionStore::spatial_table(pca);
      data->projection[pca] = vector::Projection3::from_bytes(store.read_part(row.id, part, bytes), spec.dim);
    }
  return data;
}

}  // namespace

const vector::Int8Codes& SegmentData::int8_codes() const {
  std::call_once(int8_once_, [&] {
    int8_ = vector::quantize_int8(reinterpret_cast<const float*>(rows.data()), n, row_bytes / sizeof(float));
  });
  return int8_;
}

const vector::BinaryCodes& SegmentData::binary_codes() const {
  std::call_once(binary_once_, [&] {
    binary_ = vector::binarize(reinterpret_cast<const float*>(rows.data()), n, row_bytes / sizeof(float));
  });
  return binary_;
}

const SegmentData::Box& SegmentData::extent(bool pca) const {
  std::call_once(extent_once_[pca], [&] {
    Box b{{0, 0, 0}, {0, 0, 0}};
    for (size_t i = 0; i < n; ++i) {
      const auto c = projection[pca].project(reinterpret_cast<const float*>(row(i)));
      for (int a = 0; a < 3; ++a) {
        b.lo[a] = i ? std::min(b.lo[a], c[a]) : c[a];
        b.hi[a] = i ? std::max(b.hi[a], c[a]) : c[a];
      }
    }
    extent_[pca] = b;
  });
  return extent_[pca];
}

const vector::HnswIndex* SegmentData::hnsw(CollectionStore& store, const SegmentRow& row, const Scorer& scorer) const {
  if (row.index_kind != "hnsw" || !scorer.space()) return nullptr;
  std::call_once(hnsw_once_, [&] {
    try {
      const std::vector<uint8_t> bytes = store.read_part(row.id, kHnswPart, hnsw_bytes_of(row.index_params));
      // The graph's vectors are the segment's rows (slot = id), kept once on disk.
      auto graph = vector::HnswIndex::read(bytes, *scorer.space(), "segment " + std::to_string(row.id) + "'s HNSW graph",
                                           {reinterpret_cast<const float*>(rows.data()), n * (row_bytes / sizeof(float))});
      if (graph->elements() != n) throw FormatError("the graph has " + std::to_string(graph->elements()) + " elements, the segment " + std::to_string(n));
      hnsw_ = std::move(graph);
    } catch (const FormatError& e) {
      index_note_ = std::string("rebuilt from the stored vectors: ") + e.what();
      AnnParams params;
      try {
        const auto j = nlohmann::json::parse(row.index_params);
        params = {j.at("m").get<size_t>(), j.at("ef_construction").get<size_t>(), j.at("ef_search").get<size_t>()};
      } catch (const std::exception&) {
        params = store.spec().ann;  // the parameters are damaged too: the collection's
      }
      hnsw_ = build_hnsw(*scorer.space(), params, reinterpret_cast<const float*>(rows.data()), n);
    }
  });
  return hnsw_.get();
}

std::string SegmentData::index_note() const { return index_note_; }

std::shared_ptr<const SegmentData> cached_segment(CollectionStore& store, const Scorer& scorer, const SegmentRow& row) {
  std::string where = store.file();
  if (where.empty()) where = "memory:" + std::to_string(reinterpret_cast<uintptr_t>(store.db()));
  const std::string key = where + '\n' + store.table() + '\n' + std::to_string(row.id) + '\n' + std::to_string(row.stamp);
  if (auto hit = cache().find(key)) return hit;
  auto data = load(store, scorer, row);
  cache().put(key, data);
  return data;
}

}  // namespace hart::search
