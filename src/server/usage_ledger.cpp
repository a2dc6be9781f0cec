#include "server/usage_ledger.h"

#include <cstdio>

namespace hart::server {

std::shared_ptr<RequestUsage> UsageLedger::begin(const httplib::Request& req, Caller caller, UsageRow row) {
  auto u = std::make_shared<RequestUsage>();
  u->caller = std::move(caller);
  u->row = std::move(row);
  std::lock_guard lock(m_);
  running_[&req] = u;
  return u;
}

std::shared_ptr<RequestUsage> UsageLedger::of(const httplib::Request& req) {
  std::lock_guard lock(m_);
  auto it = running_.find(&req);
  return it == running_.end() ? nullptr : it->second;
}

int64_t UsageLedger::id(RequestUsage& u) {
  std::lock_guard lock(u.m);
  if (u.id) return u.id;
  try {
    write_([&](sqlite3* db) { u.id = begin_usage(db, u.row); });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hart serve: a usage row could not be begun (%s); its inferences are not linked to it\n", e.what());
  }
  return u.id;
}

void UsageLedger::add(RequestUsage& u, const std::string& model, int64_t prompt_tokens, int64_t completion_tokens) {
  std::lock_guard lock(u.m);
  u.row.model = model;
  u.row.prompt_tokens = u.row.prompt_tokens.value_or(0) + prompt_tokens;
  u.row.completion_tokens = u.row.completion_tokens.value_or(0) + completion_tokens;
}

std::shared_ptr<RequestUsage> UsageLedger::end(const httplib::Request& req, int status) {
  std::shared_ptr<RequestUsage> u;
  {
    std::lock_guard lock(m_);
    auto it = running_.find(&req);
    if (it == running_.end()) return nullptr;
    u = it->second;
    running_.erase(it);
  }
  std::lock_guard lock(u->m);
  u->row.status = status;
  u->row.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - u->start).count();
  try {
    write_([&](sqlite3* db) {
      if (u->id)
        finish_usage(db, u->id, u->row);
      else
        u->id = insert_usage(db, u->row);
    });
  } catch (const std::exception& e) {
    ++lost_;
    std::fprintf(stderr, "hart serve: the usage row of %s (status %d) was not written: %s\n", u->row.endpoint.c_str(),
                 status, e.what());
  }
  return u;
}

}  // namespace hart::server
