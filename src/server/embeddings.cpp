// POST /v1/embeddings: OpenAI's embeddings for a BERT-family model (mean-pooled,
// L2-normalised, as engine/model_embedder.h computes them). The inputs of a request
// run as one packed batch; the answer is floats or, as the official clients ask by
// default, base64 of little-endian float32. One inferences row per request.
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

}  // namespace

void handle_embeddings(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  const auto start = Clock::now();
  const std::string started_at = utc_now_iso8601();
  const std::shared_ptr<RequestUsage> usage = state.ledger.of(req);
  const json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) throw bad_request("the request body must be a JSON object");
  if (!body.contains("model") || !body["model"].is_string())
    throw bad_request("'model' is required: the name of a stored embedding model", "model");
  const std::string model = body["model"];
  const std::string format = body.value("encoding_format", json("float")).is_string()
                                 ? body.value("encoding_format", std::string("float"))
                                 : "";
  if (format != "float" && format != "base64")
    throw bad_request("'encoding_format' must be \"float\" or \"base64\"", "encoding_format");
  const std::vector<std::string> texts = inputs_of(body);

  auto e = state.registry.embedding(model);
  if (body.contains("dimensions") &&
      (!body["dimensions"].is_number_integer() || body["dimensions"].get<int64_t>() != static_cast<int64_t>(e->embedder->dim())))
    throw bad_request("'dimensions' must be this model's " + std::to_string(e->embedder->dim()) +
                          " (its embeddings are not shortened)", "dimensions");
  std::vector<float> rows;
  size_t n_tokens = 0;
  {
    std::lock_guard lock(e->m);
    try {
      rows = e->embedder->embed(texts, &n_tokens);
    } catch (const UsageError& err) {  // a text longer than the model's context
      throw bad_request(err.what(), "input");
    }
  }
  const size_t dim = e->embedder->dim();
  json data = json::array();
  for (size_t i = 0; i < texts.size(); ++i) {
    const float* row = rows.data() + i * dim;
    json embedding = format == "base64" ? json(base64(row, dim)) : json(std::vector<float>(row, row + dim));
    data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", std::move(embedding)}});
  }
  const auto n = static_cast<int64_t>(n_tokens);
  res.set_content(json{{"object", "list"}, {"data", std::move(data)}, {"model", model},
                       {"usage", {{"prompt_tokens", n}, {"total_tokens", n}}}}
                      .dump(),
                  "application/json");

  InferenceRow row;
  row.model_id = e->embedder->model().info().id;
  row.model_name = model;
  row.task = "embed";
  row.input = texts.size() == 1 ? texts[0] : json(texts).dump();
  row.output = std::to_string(texts.size()) + " x float32[" + std::to_string(dim) + "]";
  row.started_at = started_at;
  row.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  row.prompt_tokens = n;
  row.output_tokens = 0;
  if (usage) {
    if (const int64_t id = state.ledger.id(*usage)) row.usage_id = id;
    UsageLedger::add(*usage, model, n, 0);
  }
  state.record(row);
}

}  // namespace hart::server
