#!/usr/bin/env python3
"""Writes the labelled retrieval set that hart-retrieval-quality measures.

    python3 bench/make_retrieval_set.py [--source ../shared/data/wikitext2-raw/wiki.test.raw] OUT_DIR

Source: the WikiText-2 raw test split (shared data; 2,891 non-empty lines, one
paragraph or heading each). Deterministic, no randomness:

- Every line that is not a heading (` = Title = `, ` = = Section = = `) and has at
  least 40 characters is a paragraph; its article is the last top-level title above it.
- Sentences are cut at WikiText's own tokenized sentence ends (" . ", " ? ", " ! ").
- Every second paragraph (0th, 2nd, ...) with at least 4 sentences gives one query:
  its middle sentence (index len // 2), which is removed from the paragraph. That
  paragraph, without the sentence, is the query's only relevant passage. Every other
  paragraph is a passage as it is (a distractor).
- Text is lightly detokenized (" @-@ " -> "-", " , " -> ", ", ...) so passages read as
  prose; both methods ignore punctuation anyway.

Writes OUT_DIR/passages.tsv (id, article title, text) and OUT_DIR/queries.tsv (id,
answer passage id, text), tab-separated, UTF-8, one row per line.
"""
import argparse
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SOURCE = os.path.join(HERE, "..", "..", "shared", "data", "wikitext2-raw", "wiki.test.raw")
MIN_CHARS = 40
MIN_SENTENCES = 4


def detokenize(s):
    s = s.replace("<unk>", " ")  # the tokenized (non-raw) files' unknown words
    s = s.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".")
    s = re.sub(r" ([,.;:!?%)\]])", r"\1", s)
    s = re.sub(r"([(\[$]) ", r"\1", s)
    s = s.replace(" 's ", "'s ").replace(" n't", "n't")
    return re.sub(r"\s+", " ", s).strip()


def sentences(line):
    parts = re.split(r"(?<= [.?!]) (?=\S)", line.strip())
    return [p for p in parts if p.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--source", default=DEFAULT_SOURCE)
    args = ap.parse_args()
    title = ""
    paragraphs = []  # (title, [sentences])
    with open(args.source, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\r\n")
            m = re.fullmatch(r" = ([^=].*?) = ", line)
            if m:
                title = detokenize(m.group(1))
                continue
            if line.lstrip().startswith("="):
                continue  # a section heading
            if len(line.strip()) < MIN_CHARS:
                continue
            paragraphs.append((title, sentences(line)))
    os.makedirs(args.out, exist_ok=True)
    n_queries = 0
    with open(os.path.join(args.out, "passages.tsv"), "w", encoding="utf-8") as p, \
            open(os.path.join(args.out, "queries.tsv"), "w", encoding="utf-8") as q:
        for i, (article, sents) in enumerate(paragraphs):
            pid = "p%05d" % i
            if i % 2 == 0 and len(sents) >= MIN_SENTENCES:
                held = len(sents) // 2
                q.write("q%05d\t%s\t%s\n" % (i, pid, detokenize(sents[held])))
                sents = sents[:held] + sents[held + 1:]
                n_queries += 1
            p.write("%s\t%s\t%s\n" % (pid, article, detokenize(" ".join(sents))))
    print("%d passages, %d queries in %s" % (len(paragraphs), n_queries, args.out))


if __name__ == "__main__":
    main()
