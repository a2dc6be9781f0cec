// Text (`extract_text.cpp`, `text_decode.cpp`): BOM → that encoding; valid UTF-8 → as
// is; else uchardet's answer (Windows-1252 when it has none); iconv converts, each
// rejected byte becomes U+FFFD and is counted (`metadata.invalid_bytes`,
// `first_invalid_offset`, and `error`). `atoms.text` is set only when the text differs
// from the payload. Texts over `max_text_bytes` (64 MiB) are stored but not decoded.
// Passages (`passages.cpp`): sentences end at `.`/`!`/`?` before white space or at a
// blank line; over-long sentences are cut at white space (else at a UTF-8 boundary);
// sentences are packed up to `max_bytes`, and the next passage starts with the last
// sentences that fit in `overlap_bytes`. Each passage is a `text`/`passage` atom
// (content = its UTF-8, no chunks), related `passage` with ordinals; a passage identical
// to the document is not related to itself. HTML (`text/html` from libmagic) and
// Markdown (`text/plain` named `.md`/`.markdown`) are first reduced to their visible
// text (`markup_text.h`: libxml2's recovering HTML parser walked with an explicit stack,
// skipping head/script/style/noscript/ template/svg/iframe; cmark's iterator). Blocks
// end with a blank line so passages see them. The atom becomes `document`, with
// `metadata.title`, `headings` and `links` (at most 10 000). HTML nested past 256
// levels halts libxml2: the text before it is kept, `metadata.text_cut` gives the
// line and column, and `error` and a warning say the rest is missing.
#include "ingest/extract/extractors.h"

#include "ingest/extract/content_kind.h"
#include "ingest/extract/context.h"
#include "ingest/extract/input_file.h"
#include "media/markup_text.h"
#include "media/text_decode.h"
#include "store/atom_names.h"

namespace hart {
namespace {

enum class Markup { kNone, kMarkdown, kHtml };

// HTML is recognised by content (libmagic); Markdown has no signature, so plain text
// whose name ends in .md or .markdown is read as Markdown.
Markup markup_of(const ContentType& type, const std::string& name) {
  if (type.mime == "text/html" || type.mime == "application/xhtml+xml") return Markup::kHtml;
  if (type.mime == "text/markdown") return Markup::kMarkdown;
  auto ends = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (type.mime == "text/plain" && (ends(".md") || ends(".markdown"))) return Markup::kMarkdown;
  return Markup::kNone;
}

// The document's visible text from its markup; records title, headings and links,
// and where the parser stopped early (the text after that point is missing).
std::string apply_markup(ExtractContext& ctx, const std::string& where, Markup markup, const std::string& utf8,
                         AtomInfo& info) {
  MarkupText m = markup == Markup::kHtml ? html_text(utf8) : markdown_text(utf8);
  info.modality = modality::kDocument;
  info.metadata["markup"] = markup == Markup::kHtml ? "html" : "markdown";
  if (!m.title.empty()) info.metadata["title"] = m.title;
  if (!m.headings.empty()) info.metadata["headings"] = m.headings;
  nlohmann::json links = nlohmann::json::array();
  for (const MarkupLink& l : m.links) links.push_back({{"href", l.href}, {"text", l.text}});
  if (!links.empty()) info.metadata["links"] = std::move(links);
  if (m.links_truncated) info.metadata["links_truncated"] = true;
  if (m.cut) {
    info.metadata["text_cut"] = {{"line", m.cut->line}, {"column", m.cut->column}, {"reason", m.cut->reason}};
    std::string error = "HTML cut at line " + std::to_string(m.cut->line) + ", column " +
                        std::to_string(m.cut->column) + ": libxml2 stopped (" + m.cut->reason +
                        "), so the text from there on is missing";
    info.error = info.error ? *info.error + "; " + error : error;
    ctx.report({where, error, true});
  }
  return std::move(m.text);
}

}  // namespace

void extract_text(ExtractContext& ctx, InputFile& file) {
  const int64_t atom_id = ctx.atom_id();
  const ContentType& type = ctx.type();
  AtomInfo& info = ctx.info();
  const IngestLimits& limits = ctx.options().limits;
  if (file.size() > limits.max_text_bytes) {
    // Stored whole, searchable later once split by a streaming decoder.
    info.metadata["text_extracted"] = false;
    info.metadata["note"] = "text larger than " + std::to_string(limits.max_text_bytes) +
                            " bytes is stored but not decoded";
    return;
  }
  std::string bytes = file.read_all(limits.max_text_bytes);
  DecodedText text = decode_text(bytes);
  bytes = std::string();  // free before the passages are built
  info.metadata["encoding"] = text.encoding;
  info.metadata["encoding_detected_by"] = text.detected_by;
  if (!type.charset.empty()) info.metadata["libmagic_charset"] = type.charset;
  if (text.invalid_bytes > 0) {
    info.metadata["invalid_bytes"] = text.invalid_bytes;
    info.metadata["first_invalid_offset"] = text.first_invalid_offset;
    info.error = std::to_string(text.invalid_bytes) + " byte(s) invalid in " + text.encoding +
                 " (first at offset " + std::to_string(text.first_invalid_offset) + ") replaced by U+FFFD";
    ctx.report({file.display(), *info.error, true});
  }
  Markup markup = markup_of(type, file.display());
  if (markup != Markup::kNone) {
    text.utf8 = apply_markup(ctx, file.display(), markup, text.utf8, info);
    text.same_as_input = false;
  }
  // The text column holds text only where it differs from the payload bytes.
  if (!text.same_as_input) info.text = text.utf8;

  info.metadata["passages"] = add_passages(ctx, atom_id, text.utf8, text.same_as_input);
}

size_t add_passages(ExtractContext& ctx, int64_t parent_id, std::string_view text, bool text_is_parent) {
  AtomInfo passage_info;
  passage_info.modality = modality::kText;
  passage_info.subtype = subtype::kPassage;
  passage_info.mime = "text/plain; charset=utf-8";
  int64_t ordinal = 0;
  for (std::string_view p : split_passages(text, ctx.options().passages)) {
    if (text_is_parent && p.size() == text.size()) continue;  // the parent is its only passage
    StoredAtom a = ctx.put_text(p, passage_info);
    // Same bytes as the parent (surrounding white space aside): no self-relation.
    if (a.id == parent_id) continue;
    ctx.relate(parent_id, a.id, relation::kPassage, ordinal++);
  }
  return static_cast<size_t>(ordinal);
}

}  // namespace hart
