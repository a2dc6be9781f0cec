// POST /v1/embeddings: OpenAI's embeddings for a BERT-family model (mean-pooled,
// L2-normalised, as engine/model_embedder.h computes them). The inputs of a request
// run as one packed batch; the answer is floats or, as the official clients ask by
// default, base64 of little-endian float32. POST /v1/rerank (Jina's and llama-server's
// shape) orders documents by the cosine of their embedding with the query's: a
// bi-encoder's score; cross-encoder reranker heads are not run. One inferences row per
// request.
#include <algorithm>
#include <chrono>
#include <cstring>

#include "server/openai_api.h"
#include "server/server_state.h"

namespace hart::server {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxInputs = 2048;  // OpenAI's own limit per request

std::string base64(const float* values, size_t n) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(n * sizeof(float), '\0');
  std::memcpy(bytes.data(), values, bytes.size());  // x86-64 is little-endian, as the format wants
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t b0 = static_cast<unsigned char>(bytes[i]);
    const uint32_t b1 = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0;
    const uint32_t b2 = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0;
    const uint32_t v = b0 << 16 | b1 << 8 | b2;
    out += digits[v >> 18 & 63];
    out += digits[v >> 12 & 63];
    out += i + 1 < bytes.size() ? digits[v >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? digits[v & 63] : '=';
  }
  return out;
}

std::vector<std::string> inputs_of(const json& body) {
  if (!body.contains("input")) throw bad_request("'input' is required: a string or an array of strings", "input");
  const json& in = body["input"];
  std::vector<std::string> out;
  if (in.is_string()) {
    out.push_back(in);
  } else if (in.is_array() && !in.empty()) {
    if (in.size() > kMaxInputs)
      throw bad_request("'input' holds " + std::to_string(in.size()) + " texts; at most " + std::to_string(kMaxInputs),
                        "input");
    for (const json& t : in) {
      if (!t.is_string())
        throw bad_request("'input' must be a string or an array of strings (token ids are not taken: the model's "
                          "tokenizer adds its own [CLS] and [SEP])", "input");
      out.push_back(t);
    }
  } else {
    throw bad_request("'input' must be a string or a non-empty array of strings", "input");
  }
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].empty()) throw bad_request("'input' holds an empty text (number " + std::to_string(i) + ")", "input");
  return out;
}

struct Embedded {
  std::vector<float> rows;  // texts.size() rows of dim
  size_t dim = 0;
  int64_t tokens = 0;
};

// The texts' embeddings as one packed batch, recorded as one inferences row (task
// `task`) linked to the request's usage row.
Embedded embed_texts(ServerState& state, const httplib::Request& req, const std::string& model,
                     const std::vector<std::string>& texts, const std::string& task, const std::string& param,
                     const json& dimensions = nullptr) {
  const auto start = Clock::now();
  const std::string started_at = utc_now_iso8601();
  auto e = state.registry.embedding(model);
  Embedded out;
  out.dim = e->embedder->dim();
  if (!dimensions.is_null() && (!dimensions.is_number_integer() || dimensions.get<int64_t>() != static_cast<int64_t>(out.dim)))
    throw bad_request("'dimensions' must be this model's " + std::to_string(out.dim) + " (its embeddings are not shortened)",
                      "dimensions");
  size_t n_tokens = 0;
  {
    std::lock_guard lock(e->m);
    try {
      out.rows = e->embedder->embed(texts, &n_tokens);
    } catch (const UsageError& err) {  // a text longer than the model's context
      throw bad_request(err.what(), param);
    }
  }
  out.tokens = static_cast<int64_t>(n_tokens);
  InferenceRow row;
  row.model_id = e->embedder->model().info().id;
  row.model_name = model;
  row.task = task;
  row.input = texts.size() == 1 ? texts[0] : json(texts).dump();
  row.output = std::to_string(texts.size()) + " x float32[" + std::to_string(out.dim) + "]";
  row.started_at = started_at;
  row.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  row.prompt_tokens = out.tokens;
  row.output_tokens = 0;
  if (const std::shared_ptr<RequestUsage> usage = state.ledger.of(req)) {
    if (const int64_t id = state.ledger.id(*usage)) row.usage_id = id;
    UsageLedger::add(*usage, model, out.tokens, 0);
  }
  state.record(row);
  return out;
}

}  // namespace

void handle_embeddings(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const json body = model_request(req.body);
  const std::string model = body["model"];
  const std::string format = body.value("encoding_format", json("float")).is_string()
                                 ? body.value("encoding_format", std::string("float"))
                                 : "";
  if (format != "float" && format != "base64")
    throw bad_request("'encoding_format' must be \"float\" or \"base64\"", "encoding_format");
  const std::vector<std::string> texts = inputs_of(body);
  const Embedded e = embed_texts(state, req, model, texts, "embed", "input", body.value("dimensions", json()));
  json data = json::array();
  for (size_t i = 0; i < texts.size(); ++i) {
    const float* row = e.rows.data() + i * e.dim;
    json embedding = format == "base64" ? json(base64(row, e.dim)) : json(std::vector<float>(row, row + e.dim));
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
  }
  res.set_content(json{{"object", "list"}, {"data", std::move(data)}, {"model", model},
                       {"usage", {{"prompt_tokens", e.tokens}, {"total_tokens", e.tokens}}}}
                      .dump(),
                  "application/json");
}

void handle_rerank(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const json body = model_request(req.body);
  const std::string model = body["model"];
  if (!body.contains("query") || !body["query"].is_string() || body["query"].get_ref<const std::string&>().empty())
    throw bad_request("'query' must be a non-empty string", "query");
  if (!body.contains("documents") || !body["documents"].is_array() || body["documents"].empty())
    throw bad_request("'documents' must be a non-empty array of strings (or of {\"text\": ...})", "documents");
  if (body["documents"].size() > kMaxInputs)
    throw bad_request("'documents' holds " + std::to_string(body["documents"].size()) + "; at most " +
                          std::to_string(kMaxInputs), "documents");
  std::vector<std::string> texts = {body["query"].get<std::string>()};
  for (const json& d : body["documents"]) {
    const json& text = d.is_object() && d.contains("text") ? d["text"] : d;
    if (!text.is_string() || text.get_ref<const std::string&>().empty())
      throw bad_request("'documents' must hold non-empty strings (or {\"text\": ...})", "documents");
    texts.push_back(text);
  }
  int64_t top_n = static_cast<int64_t>(texts.size() - 1);
  if (body.contains("top_n")) {
    if (!body["top_n"].is_number_integer() || body["top_n"].get<int64_t>() < 1)
      throw bad_request("'top_n' must be a positive integer", "top_n");
    top_n = std::min(top_n, body["top_n"].get<int64_t>());
  }
  const bool return_documents = body.value("return_documents", false);
  const Embedded e = embed_texts(state, req, model, texts, "rerank", "documents");
  // Rows are unit length: the cosine is the dot product.
  std::vector<std::pair<double, size_t>> scored;
  for (size_t d = 1; d < texts.size(); ++d) {
    double dot = 0;
    for (size_t k = 0; k < e.dim; ++k) dot += double(e.rows[k]) * e.rows[d * e.dim + k];
    scored.emplace_back(dot, d - 1);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  json results = json::array();
  for (int64_t i = 0; i < top_n; ++i) {
    json r = {{"index", scored[i].second}, {"relevance_score", scored[i].first}};
    if (return_documents) r["document"] = {{"text", texts[scored[i].second + 1]}};
    results.push_back(std::move(r));
  }
  res.set_content(json{{"object", "list"}, {"model", model}, {"results", std::move(results)},
                       {"usage", {{"prompt_tokens", e.tokens}, {"total_tokens", e.tokens}}}}
                      .dump(),
                  "application/json");
}

}  // namespace hart::server
