#include "server/model_registry.h"

#include "engine/model_cache.h"
#include "model/decoder_config.h"
#include "server/openai_api.h"

namespace hart::server {

ModelRegistry::ModelRegistry(std::string db_path, SchedulerLimits limits)
    : db_path_(std::move(db_path)), limits_(limits),
      db_(std::make_unique<Database>(db_path_, Database::Mode::kOpenExisting)) {}

ModelRegistry::~ModelRegistry() = default;

std::vector<ModelRow> ModelRegistry::list() {
  std::lock_guard lock(db_m_);
  return list_models(*db_);
}

std::shared_ptr<const LoadedModel> ModelRegistry::model(const std::string& name) {
  std::lock_guard lock(db_m_);
  if (!find_model(*db_, name))
    throw ApiError(404, "invalid_request_error", "the model '" + name + "' does not exist (GET /v1/models lists them)",
                   "model", "model_not_found");
  return ModelCache::global().get(db_->handle(), name);
}

bool ModelRegistry::stored_as(const std::string& name, const LoadedModel& loaded) {
  std::lock_guard lock(db_m_);
  auto row = find_model(*db_, name);
  return row && is_current(loaded, *row);
}

void ModelRegistry::forget(const std::string& name, const std::shared_ptr<Entry>& e) {
  std::lock_guard lock(m_);
  if (auto it = entries_.find(name); it != entries_.end() && it->second == e) entries_.erase(it);
}

std::shared_ptr<BatchScheduler> ModelRegistry::get(const std::string& name) {
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<Entry> e = entry(name);
    if (!e->scheduler) {  // a model stored later (or fixed) is tried again by the next request
      forget(name, e);
      throw ApiError(e->error_status, "invalid_request_error", e->error, "model",
                     e->error_status == 404 ? "model_not_found" : "model_not_runnable");
    }
    // Replaced or removed since it was loaded: load what is stored now (once; a model
    // replaced again meanwhile is served as loaded, and checked on the next request).
    if (attempt > 0 || stored_as(name, e->scheduler->model())) return e->scheduler;
    forget(name, e);
  }
}

std::shared_ptr<ModelRegistry::Entry> ModelRegistry::entry(const std::string& name) {
  std::shared_ptr<Entry> e;
  {
    std::lock_guard lock(m_);
    auto& slot = entries_[name];
    if (!slot) slot = std::make_shared<Entry>();
    e = slot;
  }
  std::call_once(e->once, [&] {
    {
      std::lock_guard lock(m_);
      ++loading_;
    }
    try {
      auto loaded = model(name);
      e->scheduler = std::make_shared<BatchScheduler>(loaded, limits_);
    } catch (const ApiError& err) {
      e->error = err.what();
      e->error_status = err.status;
    } catch (const std::exception& err) {
      e->error = err.what();
      e->error_status = 400;
    }
    std::lock_guard lock(m_);
    --loading_;
  });
  return e;
}

std::shared_ptr<ModelRegistry::Embedding> ModelRegistry::embedding(const std::string& name) {
  const auto stored = model(name);  // 404 for a model not stored; the cache reloads a replaced one
  std::lock_guard lock(db_m_);
  auto& e = embeddings_[name];
  // Re-ingested under its name since: made again (callers holding the old one finish with it)
  if (e && &e->embedder->model() != stored.get()) e.reset();
  if (!e) {
    auto made = std::make_shared<Embedding>();
    try {
      made->embedder = std::make_unique<ModelEmbedder>(db_->handle(), name,
                                                       limits_.threads > 0 ? tensor::shared_pool(limits_.threads) : nullptr);
    } catch (const std::exception& err) {
      embeddings_.erase(name);
      throw ApiError(400, "invalid_request_error",
                     "the model '" + name + "' cannot embed: " + err.what() +
                         " (/v1/embeddings takes a BERT-family embedding model)",
                     "model", "model_not_runnable");
    }
    e = made;
  }
  return e;
}

int ModelRegistry::loading() const {
  std::lock_guard lock(m_);
  return loading_;
}

std::vector<std::pair<std::string, std::shared_ptr<BatchScheduler>>> ModelRegistry::running() const {
  std::lock_guard lock(m_);
  std::vector<std::pair<std::string, std::shared_ptr<BatchScheduler>>> out;
  for (const auto& [name, e] : entries_)
    if (e->scheduler) out.emplace_back(name, e->scheduler);
  return out;
}

}  // namespace hart::server
