#include "synthetic_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "formats/gguf.h"
#include "util/error.h"
#include "util/output_file.h"

namespace hart::bench {
namespace {

// Values are generated in pieces of this many elements, each from its own
// generator, so any range can be produced independently and in parallel. A whole
// number of blocks for every quantized type (32 and 256).
constexpr uint64_t kPieceElems = 1 << 16;

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman and Vigna), seeded through splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& w : s_) w = splitmix64(seed);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in (0, 1]; never 0, so log() is finite.
  double open_unit() { return (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// One piece of one tensor: standard normals (Box-Muller, two per draw), then
// outliers placed by geometric skips so their cost is per outlier, not per element.
void generate_piece(uint64_t seed, size_t tensor_index, uint64_t piece, const ValueDistribution& d, float* out,
                    uint64_t n) {
  uint64_t mix = seed ^ (0x243F6A8885A308D3ull * (tensor_index + 1));
  uint64_t s = splitmix64(mix) ^ (0x13198A2E03707344ull * (piece + 1));
  Rng rng(s);
  constexpr float kTwoPi = 6.28318530717958647692f;
  for (uint64_t i = 0; i < n; i += 2) {
    uint64_t u = rng.next();
    // 32 bits each: radius up to sqrt(2 ln 2^32) = 6.66 sigma, angle to 2^-32 of a turn.
    float u1 = (static_cast<float>(u >> 32) + 1.0f) * 0x1.0p-32f;
    float u2 = static_cast<float>(u & 0xFFFFFFFFu) * 0x1.0p-32f;
    float r = std::sqrt(-2.0f * std::log(u1)) * d.stddev;
    float a = kTwoPi * u2;
    out[i] = d.mean + r * std::cos(a);
    if (i + 1 < n) out[i + 1] = d.mean + r * std::sin(a);
  }
  if (d.outlier_rate <= 0) return;
  const double log_keep = std::log1p(-d.outlier_rate);
  for (double pos = std::floor(std::log(rng.open_unit()) / log_keep); pos < static_cast<double>(n);
       pos += 1 + std::floor(std::log(rng.open_unit()) / log_keep)) {
    uint64_t r = rng.next();
    float mag = d.outlier_min + (d.outlier_max - d.outlier_min) * static_cast<float>(r >> 40) * 0x1.0p-24f;
    out[static_cast<uint64_t>(pos)] = d.mean + ((r & 1) ? mag : -mag) * d.stddev;
  }
}

// Runs fn(i) for i in [0, n) on up to `threads` threads.
template <class F>
void parallel_for(uint64_t n, unsigned threads, F fn) {
  threads = static_cast<unsigned>(std::min<uint64_t>(std::max(1u, threads), n));
  if (threads <= 1) {
    for (uint64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::vector<std::thread> pool;
  std::exception_ptr error;
  std::mutex error_mutex;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      try {
        for (uint64_t i = t; i < n; i += threads) fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    });
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

uint32_t file_type(DType t) {  // llama_ftype: ALL_F32, MOSTLY_F16, MOSTLY_Q4_0, MOSTLY_Q8_0, MOSTLY_BF16
  switch (t) {
    case DType::F32: return 0;
    case DType::F16: return 1;
    case DType::Q4_0: return 2;
    case DType::Q8_0: return 7;
    case DType::BF16: return 32;
    default: throw Error(std::string("synthetic model: unsupported type ") + dtype_info(t).name);
  }
}

void put(ModelFile& m, const std::string& key, ordered_json value, const char* tag) {
  m.metadata[key] = std::move(value);
  m.metadata_types[key] = tag;
}

// A SentencePiece-style vocabulary: <unk> <s> </s>, the 256 byte tokens, then
// distinct made-up pieces. Enough for tools that expect a Llama tokenizer.
void add_tokenizer(ModelFile& m, uint32_t vocab) {
  ordered_json tokens = ordered_json::array(), scores = ordered_json::array(), types = ordered_json::array();
  auto add = [&](std::string text, float score, int type) {
    tokens.push_back(std::move(text));
    scores.push_back(score);
    types.push_back(type);
  };
  add("<unk>", 0, 2);
  add("<s>", 0, 3);
  add("</s>", 0, 3);
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    add(buf, 0, 6);
  }
  for (uint32_t i = 0; tokens.size() < vocab; ++i) {
    std::string piece = (i % 2 == 0) ? "\xE2\x96\x81" : "";  // U+2581, SentencePiece's word start
    for (uint32_t v = i / 2;; v /= 26) {
      piece += static_cast<char>('a' + v % 26);
      if (v < 26) break;
    }
    add(piece, -static_cast<float>(i), 1);
  }
  put(m, "tokenizer.ggml.model", "llama", "str");
  put(m, "tokenizer.ggml.tokens", std::move(tokens), "arr[str]");
  put(m, "tokenizer.ggml.scores", std::move(scores), "arr[f32]");
  put(m, "tokenizer.ggml.token_type", std::move(types), "arr[i32]");
  put(m, "tokenizer.ggml.bos_token_id", 1, "u32");
  put(m, "tokenizer.ggml.eos_token_id", 2, "u32");
  put(m, "tokenizer.ggml.unknown_token_id", 0, "u32");
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

ValueDistribution distribution_for(const std::string& name) {
  ValueDistribution d;
  if (ends_with(name, "_norm.weight")) {
    d.mean = 1.0f;
    d.stddev = 0.05f;
  } else if (name == "token_embd.weight" || name == "output.weight") {
    d.stddev = 0.02f;
  } else {
    d.stddev = 0.02f;
    d.outlier_rate = 1e-4;
  }
  return d;
}

void validate(const SyntheticOptions& o) {
  const LlamaShape& s = o.shape;
  file_type(o.dtype);  // throws for unsupported types
  auto need = [](bool ok, const std::string& msg) {
    if (!ok) throw Error("synthetic model: " + msg);
  };
  need(s.layers >= 1 && s.dim >= 1 && s.ffn >= 1 && s.heads >= 1 && s.kv_heads >= 1 && s.context >= 1,
       "layers, dim, ffn, heads, kv_heads and context must be positive");
  need(s.vocab >= 259, "vocab must be at least 259 (<unk>, <s>, </s> and 256 byte tokens)");
  need(s.dim % s.heads == 0, "dim " + std::to_string(s.dim) + " is not a multiple of heads " + std::to_string(s.heads));
  need(s.heads % s.kv_heads == 0, "heads must be a multiple of kv_heads");
  uint32_t block = dtype_info(o.dtype).block_elems;
  need(s.dim % block == 0 && s.ffn % block == 0,
       std::string("dim and ffn must be multiples of ") + std::to_string(block) + " for " + dtype_info(o.dtype).name);
}

ModelFile synthetic_llama_layout(const SyntheticOptions& o) {
  validate(o);
  const LlamaShape& s = o.shape;
  ModelFile m;
  m.format = "gguf";
  m.format_version = 3;
  m.alignment = kGgufDefaultAlignment;
  m.architecture = "llama";
  put(m, "general.architecture", "llama", "str");
  put(m, "general.name", o.name, "str");
  put(m, "llama.block_count", s.layers, "u32");
  put(m, "llama.context_length", s.context, "u32");
  put(m, "llama.embedding_length", s.dim, "u32");
  put(m, "llama.feed_forward_length", s.ffn, "u32");
  put(m, "llama.attention.head_count", s.heads, "u32");
  put(m, "llama.attention.head_count_kv", s.kv_heads, "u32");
  put(m, "llama.rope.freq_base", 10000.0, "f32");
  put(m, "llama.attention.layer_norm_rms_epsilon", 1e-5, "f32");
  put(m, "general.file_type", file_type(o.dtype), "u32");
  put(m, "llama.vocab_size", s.vocab, "u32");
  put(m, "llama.rope.dimension_count", s.dim / s.heads, "u32");
  add_tokenizer(m, s.vocab);
  put(m, "general.quantization_version", 2, "u32");

  const uint64_t kv_dim = uint64_t{s.dim} / s.heads * s.kv_heads;
  auto add = [&](std::string name, std::vector<uint64_t> shape) {
    TensorInfo t;
    t.name = std::move(name);
    t.dtype = shape.size() == 1 ? DType::F32 : o.dtype;
    t.shape = std::move(shape);
    t.n_elements = 1;
    for (uint64_t d : t.shape) t.n_elements *= d;
    t.n_bytes = *dtype_row_bytes(t.dtype, t.n_elements);
    m.tensors.push_back(std::move(t));
  };
  // Shapes outermost first: [out_features, in_features], as PyTorch stores them.
  add("token_embd.weight", {s.vocab, s.dim});
  for (uint32_t l = 0; l < s.layers; ++l) {
    std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", {s.dim});
    add(p + "attn_q.weight", {s.dim, s.dim});
    add(p + "attn_k.weight", {kv_dim, s.dim});
    add(p + "attn_v.weight", {kv_dim, s.dim});
    add(p + "attn_output.weight", {s.dim, s.dim});
    add(p + "ffn_norm.weight", {s.dim});
    add(p + "ffn_gate.weight", {s.ffn, s.dim});
    add(p + "ffn_up.weight", {s.ffn, s.dim});
    add(p + "ffn_down.weight", {s.dim, s.ffn});
  }
  add("output_norm.weight", {s.dim});
  if (!s.tied_embeddings) add("output.weight", {s.vocab, s.dim});

  uint64_t offset = 0;
  for (TensorInfo& t : m.tensors) {
    t.offset = offset;
    offset += (t.n_bytes + m.alignment - 1) / m.alignment * m.alignment;
  }
  return m;
}

uint64_t tensor_data_bytes(const ModelFile& layout) {
  uint64_t n = 0;
  for (const TensorInfo& t : layout.tensors) n += t.n_bytes;
  return n;
}

uint64_t parameter_count(const ModelFile& layout) {
  uint64_t n = 0;
  for (const TensorInfo& t : layout.tensors) n += t.n_elements;
  return n;
}

void generate_values(const SyntheticOptions& o, size_t index, const TensorInfo& t, uint64_t first, uint64_t count,
                     float* out) {
  if (first > t.n_elements || count > t.n_elements - first)
    throw Error("synthetic model: element range past the end of tensor '" + t.name + "'");
  const ValueDistribution d = distribution_for(t.name);
  std::vector<float> piece;
  for (uint64_t done = 0; done < count;) {
    uint64_t at = first + done;
    uint64_t p = at / kPieceElems, p_start = p * kPieceElems;
    uint64_t p_len = std::min(kPieceElems, t.n_elements - p_start);
    uint64_t take = std::min(count - done, p_start + p_len - at);
    if (at == p_start && take == p_len) {
      generate_piece(o.seed, index, p, d, out + done, p_len);
    } else {
      piece.resize(p_len);
      generate_piece(o.seed, index, p, d, piece.data(), p_len);
      std::memcpy(out + done, piece.data() + (at - p_start), take * sizeof(float));
    }
    done += take;
  }
}

uint64_t write_synthetic_llama(const SyntheticOptions& o, const std::string& path) {
  ModelFile layout = synthetic_llama_layout(o);
  const unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  constexpr uint64_t kBatchPieces = 64;  // 4 Mi elements per write
  std::vector<uint8_t> bytes;
  std::vector<std::vector<float>> scratch(threads);
  OutputFile out(path);
  write_gguf(
      layout,
      [&](size_t i, OutputFile& f) {
        const TensorInfo& t = layout.tensors[i];
        const ValueDistribution d = distribution_for(t.name);
        const uint64_t n_pieces = (t.n_elements + kPieceElems - 1) / kPieceElems;
        const uint64_t piece_bytes = *dtype_row_bytes(t.dtype, kPieceElems);
        for (uint64_t p0 = 0; p0 < n_pieces; p0 += kBatchPieces) {
          const uint64_t batch = std::min(kBatchPieces, n_pieces - p0);
          const uint64_t e0 = p0 * kPieceElems, e1 = std::min(t.n_elements, (p0 + batch) * kPieceElems);
          bytes.resize(*dtype_row_bytes(t.dtype, e1 - e0));
          // Thread k handles pieces k, k + threads, ...; each has its own scratch buffer.
          parallel_for(threads, threads, [&](uint64_t k) {
            std::vector<float>& v = scratch[k];
            for (uint64_t j = k; j < batch; j += threads) {
              uint64_t start = (p0 + j) * kPieceElems, n = std::min(kPieceElems, t.n_elements - start);
              v.resize(n);
              generate_piece(o.seed, i, p0 + j, d, v.data(), n);
              quantize(t.dtype, v.data(), bytes.data() + j * piece_bytes, n);
            }
          });
          f.write(bytes.data(), bytes.size());
        }
      },
      out);
  uint64_t size = out.offset();
  out.commit();
  return size;
}

}  // namespace hart::bench
