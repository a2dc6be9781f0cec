#!/usr/bin/env node
// Load generator for bench/run_server_bench.sh: C concurrent clients, each sending R
// streamed completions one after another through the official `openai` package, against
// any OpenAI-compatible server (hart serve, llama.cpp's llama-server, ...).
//
// Usage: node bench/node/server_load.mjs [--flag value ...]   (a flag beats its env var)
//   --base-url    BASE_URL     e.g. http://127.0.0.1:8080/v1 (required)
//   --model       MODEL        model name sent in every request (required)
//   --clients     CLIENTS      concurrent clients C (default 1)
//   --requests    REQUESTS     requests per client R, sent one after another (default 4)
//   --prompt      PROMPT       the prompt (default: a fixed sentence)
//   --max-tokens  MAX_TOKENS   max_tokens of each request (default 64)
//   --api-key     API_KEY      bearer key (default "none"; loopback servers need none)
//   --timeout     TIMEOUT_S    seconds one request may take (default 600)
//   --vary-prompt VARY_PROMPT=1  start each prompt with "<random>-<client>-<n>:" so no two
//                 prompts, in this run or an earlier one, share more than a token or two
//                 of prefix (defeats both servers' prompt caches)
//
// Each request is client.completions.create({model, prompt, max_tokens, temperature: 0,
// stream: true, stream_options: {include_usage: true}}) on the plain completions endpoint
// (the benchmark model has no chat template). Before the clock starts, every client lists
// the models once (GET /models, untimed), so its connection is open. Per request: TTFT =
// from just before the call to the first chunk whose choices[0].text is non-empty;
// latency = to the end of the stream; completion tokens = the usage chunk's
// completion_tokens, or, for a request whose server sent no usage, the number of chunks
// with text ("usage" in the output says which).
// Percentiles are nearest-rank over the successful requests (p99 of fewer than 100
// samples is the maximum). The SDK's automatic retries are off: a failed request is
// counted in "errors" (first messages on stderr), and the exit status is 1 if any failed.
//
// Output, one JSON line on stdout:
//   {clients, requests, errors, ttft_ms_p50, ttft_ms_p99, latency_ms_p50, latency_ms_p99,
//    completion_tokens, wall_s, tokens_per_s, ...}
// tokens_per_s = all completion tokens / wall time of the whole run (first request sent
// to last stream ended). Extra fields: prompt_tokens and cached_prompt_tokens (sums, from
// usage; cached is null when the server does not report it), usage, no_text (successful
// requests that never streamed text: they have no TTFT).
import { parseArgs } from 'node:util';
import OpenAI from 'openai';

const DEFAULT_PROMPT =
  'The old lighthouse keeper climbed the narrow stairs every evening at dusk, ' +
  'trimmed the wick, polished the great lens and watched the ships pass the rocks ' +
  'while he told himself stories about the sailors and the ports they came from.';

const { values: flags } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    model: { type: 'string' },
    clients: { type: 'string' },
    requests: { type: 'string' },
    prompt: { type: 'string' },
    'max-tokens': { type: 'string' },
    'api-key': { type: 'string' },
    timeout: { type: 'string' },
    'vary-prompt': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (flags.help) {
  console.log('see the comment at the top of bench/node/server_load.mjs');
  process.exit(0);
}

function die(msg) {
  console.error(`server_load.mjs: ${msg}`);
  process.exit(2);
}
function positiveInt(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) die(`${name} must be a positive integer, got '${text}'`);
  return n;
}

const env = process.env;
const baseURL = flags['base-url'] ?? env.BASE_URL ?? die('--base-url (or BASE_URL) is required');
const model = flags.model ?? env.MODEL ?? die('--model (or MODEL) is required');
const clients = positiveInt('--clients', flags.clients ?? env.CLIENTS ?? '1');
const perClient = positiveInt('--requests', flags.requests ?? env.REQUESTS ?? '4');
const maxTokens = positiveInt('--max-tokens', flags['max-tokens'] ?? env.MAX_TOKENS ?? '64');
const timeoutS = positiveInt('--timeout', flags.timeout ?? env.TIMEOUT_S ?? '600');
const prompt = flags.prompt ?? env.PROMPT ?? DEFAULT_PROMPT;
const apiKey = flags['api-key'] ?? env.API_KEY ?? 'none';
const varyPrompt = flags['vary-prompt'] ?? env.VARY_PROMPT === '1';

// --vary-prompt: a random start per run, so no prompt is cached from an earlier run either
const nonce = Math.random().toString(16).slice(2, 8);
const results = [];  // one per successful request
const errors = [];   // one message per failed request

async function oneRequest(client, text) {
  const start = performance.now();
  let ttft = null, usage = null, textChunks = 0;
  const stream = await client.completions.create({
    model, prompt: text, max_tokens: maxTokens, temperature: 0,
    stream: true, stream_options: { include_usage: true },
  });
  for await (const chunk of stream) {
    const piece = chunk.choices?.[0]?.text;
    if (piece) {
      if (ttft === null) ttft = performance.now() - start;
      textChunks++;
    }
    // llama-server puts usage on the last choice chunk, hart serve on a chunk of its own.
    if (chunk.usage) usage = chunk.usage;
  }
  return {
    ttft, latency: performance.now() - start,
    completionTokens: usage ? usage.completion_tokens : textChunks,
    fromUsage: usage !== null,
    promptTokens: usage?.prompt_tokens ?? null,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? null,
  };
}

// The SDK's message names the HTTP status; a connection error's causes (fetch's, then the
// socket's) say what happened.
function describeError(err) {
  const parts = [];
  for (let e = err, depth = 0; e && depth < 4; e = e.cause, depth++) {
    parts.push([e.code, e.message ?? String(e)].filter(Boolean).join(' '));
  }
  return parts.join(' <- ');
}

async function runClient(id, client) {
  for (let n = 0; n < perClient; n++) {
    const text = varyPrompt ? `${nonce}-${id}-${n}: ${prompt}` : prompt;
    try {
      results.push(await oneRequest(client, text));
    } catch (err) {
      errors.push(`client ${id} request ${n}: ${describeError(err)}`);
    }
  }
}

function percentile(values, p) {  // nearest rank
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}
const round1 = (x) => (x === null ? null : Math.round(x * 10) / 10);

// One SDK client per simulated client; maxRetries 0 so no failure is retried away. Each
// first lists the models, untimed: the connection is open and the SDK's first-call costs
// are paid before the clock starts (a failure here is fatal: the server is not serving).
const sdkClients = Array.from({ length: clients },
  () => new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: timeoutS * 1000 }));
try {
  await Promise.all(sdkClients.map((c) => c.models.list()));
} catch (err) {
  console.error(`server_load.mjs: GET ${baseURL}/models failed: ${describeError(err)}`);
  process.exit(1);
}

const wallStart = performance.now();
await Promise.all(sdkClients.map((client, id) => runClient(id, client)));
const wallS = (performance.now() - wallStart) / 1000;

const ttfts = results.filter((r) => r.ttft !== null).map((r) => r.ttft);
const latencies = results.map((r) => r.latency);
const completionTokens = results.reduce((s, r) => s + r.completionTokens, 0);
const withUsage = results.filter((r) => r.fromUsage).length;
const cached = results.filter((r) => r.cachedTokens !== null);
const sumOrNull = (rs, key) => (rs.length ? rs.reduce((s, r) => s + r[key], 0) : null);

const out = {
  clients,
  requests: clients * perClient,
  errors: errors.length,
  ttft_ms_p50: round1(percentile(ttfts, 50)),
  ttft_ms_p99: round1(percentile(ttfts, 99)),
  latency_ms_p50: round1(percentile(latencies, 50)),
  latency_ms_p99: round1(percentile(latencies, 99)),
  completion_tokens: completionTokens,
  wall_s: Math.round(wallS * 1000) / 1000,
  tokens_per_s: round1(completionTokens / wallS),
  prompt_tokens: sumOrNull(results.filter((r) => r.promptTokens !== null), 'promptTokens'),
  cached_prompt_tokens: sumOrNull(cached, 'cachedTokens'),
  usage: results.length === 0 ? 'none (no request succeeded)' :
    withUsage === results.length ? 'server' :
    withUsage === 0 ? 'counted text chunks (no usage sent)' :
    `server for ${withUsage}, counted text chunks for ${results.length - withUsage}`,
  no_text: results.length - ttfts.length,
};
for (const e of errors.slice(0, 5)) console.error(`server_load.mjs: ${e}`);
if (errors.length > 5) console.error(`server_load.mjs: ... and ${errors.length - 5} more errors`);
if (withUsage < results.length) {
  console.error(`server_load.mjs: ${results.length - withUsage} requests came without usage; ` +
    'their completion tokens are counted text chunks');
}
console.log(JSON.stringify(out));
process.exit(errors.length ? 1 : 0);
