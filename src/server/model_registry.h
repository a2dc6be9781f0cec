// The models a server runs, chosen per request by name: each stored model gets its
// batch scheduler on first use (no restart, no router process), loaded once even when
// many requests ask at the same time. A model re-ingested under its name while the
// server runs is loaded again by the next request (requests already running finish on
// the old one); a removed one is a 404. Reads go through the server's own connection.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/model_embedder.h"
#include "server/batch_scheduler.h"
#include "store/database.h"
#include "store/models.h"

namespace hart::server {

class ModelRegistry {
 public:
  ModelRegistry(std::string db_path, SchedulerLimits limits);
  ~ModelRegistry();
  // The scheduler for `name`, loading the model if needed. Throws ApiError 404 for a
  // model that is not stored, 400 for one this engine cannot generate with.
  std::shared_ptr<BatchScheduler> get(const std::string& name);
  // The loaded model `name` (tokenizing, embedding), without a scheduler.
  std::shared_ptr<const LoadedModel> model(const std::string& name);
  // The embedder of `name` (a BERT-family model), made on first use; callers hold its
  // mutex while embedding. 404 for a model not stored, 400 for one that cannot embed.
  struct Embedding {
    std::mutex m;
    std::unique_ptr<ModelEmbedder> embedder;
  };
  std::shared_ptr<Embedding> embedding(const std::string& name);
  // Every stored model, as the catalog lists them.
  std::vector<ModelRow> list();
  // Models loading right now (the health endpoint answers 503 while any is).
  int loading() const;
  // Schedulers running, for the metrics endpoint.
  std::vector<std::pair<std::string, std::shared_ptr<BatchScheduler>>> running() const;
  const SchedulerLimits& limits() const { return limits_; }

 private:
  struct Entry {
    std::once_flag once;
    std::shared_ptr<BatchScheduler> scheduler;
    std::string error;
    int error_status = 0;
  };
  std::string db_path_;
  SchedulerLimits limits_;
  mutable std::mutex m_;
  std::mutex db_m_;  // the connection is used by one thread at a time
  std::unique_ptr<Database> db_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  std::map<std::string, std::shared_ptr<Embedding>> embeddings_;  // guarded by db_m_
  int loading_ = 0;
  // Whether `loaded` is still what the database stores under `name`.
  bool stored_as(const std::string& name, const LoadedModel& loaded);
  // `name`'s entry, its scheduler made (or its error recorded) by the first caller.
  std::shared_ptr<Entry> entry(const std::string& name);
  // Forgets `name`'s entry if it is still `e` (the next get() makes a new one).
  void forget(const std::string& name, const std::shared_ptr<Entry>& e);
};

}  // namespace hart::server
