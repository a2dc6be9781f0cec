// The official openai client against hart serve (started by tests/server/openai_client_test.cpp).
// env: BASE_URL (http://127.0.0.1:PORT/v1), API_KEY, MODEL, EMBED_MODEL, LIMITED_KEY (a key
// allowed one request a minute). Prints one line per check ("ok name" or "FAIL name: why"),
// the load test's figures, and exits 1 if any check failed.
import OpenAI from 'openai';

const { BASE_URL, API_KEY, MODEL, EMBED_MODEL, LIMITED_KEY } = process.env;
const client = new OpenAI({ baseURL: BASE_URL, apiKey: API_KEY, maxRetries: 0, timeout: 60000 });
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
  }
}
function assert(cond, what) {
  if (!cond) throw new Error(what);
}

const messages = [
  { role: 'system', content: 'You are a player.' },
  { role: 'user', content: 'Speak, Romeo.' },
];

await check('models.list', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert(ids.includes(MODEL), `${MODEL} not in ${JSON.stringify(ids)}`);
});

let whole = null;
await check('chat.completions.create', async () => {
  const r = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 12, temperature: 0 });
  assert(r.object === 'chat.completion', `object ${r.object}`);
  const c = r.choices[0];
  assert(c.message.role === 'assistant' && typeof c.message.content === 'string', JSON.stringify(c));
  assert(['stop', 'length'].includes(c.finish_reason), `finish_reason ${c.finish_reason}`);
  assert(r.usage.completion_tokens > 0 && r.usage.total_tokens === r.usage.prompt_tokens + r.usage.completion_tokens,
         JSON.stringify(r.usage));
  whole = c.message.content;
});

await check('chat.completions.create stream', async () => {
  const stream = await client.chat.completions.create({
    model: MODEL, messages, max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  let text = '', usage = null, finish = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta?.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert(text === whole, `streamed ${JSON.stringify(text)} != whole ${JSON.stringify(whole)}`);
  assert(finish, 'no finish_reason');
  assert(usage && usage.completion_tokens > 0, `usage ${JSON.stringify(usage)}`);
});

await check('completions.create and stream', async () => {
  const r = await client.completions.create({ model: MODEL, prompt: 'ROMEO:', max_tokens: 10, temperature: 0 });
  assert(r.choices[0].text.length > 0, 'empty text');
  const s = await client.completions.create({ model: MODEL, prompt: 'ROMEO:', max_tokens: 10, temperature: 0, stream: true });
  let text = '';
  for await (const chunk of s) text += chunk.choices[0]?.text ?? '';
  assert(text === r.choices[0].text, `streamed ${JSON.stringify(text)} != ${JSON.stringify(r.choices[0].text)}`);
});

await check('wrong key is 401', async () => {
  const bad = new OpenAI({ baseURL: BASE_URL, apiKey: 'sk-wrong', maxRetries: 0 });
  try {
    await bad.chat.completions.create({ model: MODEL, messages, max_tokens: 2 });
    throw new Error('accepted a wrong key');
  } catch (e) {
    assert(e instanceof OpenAI.AuthenticationError && e.status === 401, `got ${e}`);
  }
});

await check('unknown model is 404', async () => {
  try {
    await client.chat.completions.create({ model: 'no-such-model', messages, max_tokens: 2 });
    throw new Error('accepted an unknown model');
  } catch (e) {
    assert(e instanceof OpenAI.NotFoundError && e.status === 404 && /does not exist/.test(e.message), `got ${e}`);
  }
});

await check('malformed body is 400 with a message', async () => {
  const r = await fetch(`${BASE_URL}/chat/completions`, {
    method: 'POST', headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' }, body: '{"model": ',
  });
  const body = await r.json();
  assert(r.status === 400 && /not valid JSON/.test(body.error.message), `${r.status} ${JSON.stringify(body)}`);
});

await check('a bad field is 400 naming it', async () => {
  try {
    await client.chat.completions.create({ model: MODEL, messages, max_tokens: 2, temperature: 7 });
    throw new Error('accepted temperature 7');
  } catch (e) {
    assert(e instanceof OpenAI.BadRequestError && e.param === 'temperature', `got ${e} param ${e.param}`);
  }
});

await check('embeddings.create: base64 (the default of the client) and float', async () => {
  const input = ['hello world', 'the quick brown fox'];
  const r = await client.embeddings.create({ model: EMBED_MODEL, input });
  assert(r.data.length === 2 && r.usage.prompt_tokens > 0, JSON.stringify(r.usage));
  const f = await client.embeddings.create({ model: EMBED_MODEL, input, encoding_format: 'float' });
  for (let i = 0; i < 2; i++) {
    const a = r.data[i].embedding, b = f.data[i].embedding;
    assert(a.length === b.length && a.length > 0, `lengths ${a.length} ${b.length}`);
    assert(a.every((v, d) => Math.abs(v - b[d]) < 1e-6), `row ${i}: base64 and float differ`);
    const norm = Math.sqrt(a.reduce((s, v) => s + v * v, 0));
    assert(Math.abs(norm - 1) < 1e-4, `row ${i} has norm ${norm}`);
  }
});

await check('a rate-limited key is 429', async () => {
  const limited = new OpenAI({ baseURL: BASE_URL, apiKey: LIMITED_KEY, maxRetries: 0 });
  await limited.completions.create({ model: MODEL, prompt: 'ROMEO:', max_tokens: 1 });
  try {
    await limited.completions.create({ model: MODEL, prompt: 'ROMEO:', max_tokens: 1 });
    throw new Error('a second request in the minute was accepted');
  } catch (e) {
    assert(e instanceof OpenAI.RateLimitError && e.status === 429, `got ${e}`);
    assert(Number(e.headers?.get?.('retry-after') ?? e.headers?.['retry-after']) > 0, 'no Retry-After');
  }
});

// Load: 32 clients streaming at once, bounded in count and time (each 16 tokens, 60 s).
await check('32 concurrent streaming clients', async () => {
  const clients = 32, tokens = 16;
  const t0 = performance.now();
  const one = async (i) => {
    const start = performance.now();
    let first = null, chunks = 0;
    const stream = await client.chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: `Speak, player ${i}.` }], max_tokens: tokens, temperature: 0.8,
      seed: i, stream: true, stream_options: { include_usage: true },
    });
    let usage = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      if (chunk.choices[0]?.delta?.content) {
        if (first === null) first = performance.now() - start;
        chunks++;
      }
    }
    return { first, total: performance.now() - start, generated: usage?.completion_tokens ?? 0 };
  };
  const results = await Promise.allSettled(Array.from({ length: clients }, (_, i) => one(i)));
  const wall = (performance.now() - t0) / 1000;
  const errors = results.filter((r) => r.status === 'rejected');
  const ok = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
  const generated = ok.reduce((s, r) => s + r.generated, 0);
  console.log(`load: ${clients} streaming clients, ${errors.length} errors, first token p50 ${pct(ok.map((r) => r.first), 0.5).toFixed(0)} ms ` +
              `p99 ${pct(ok.map((r) => r.first), 0.99).toFixed(0)} ms, whole p50 ${pct(ok.map((r) => r.total), 0.5).toFixed(0)} ms ` +
              `p99 ${pct(ok.map((r) => r.total), 0.99).toFixed(0)} ms, ${generated} tokens in ${wall.toFixed(2)} s = ` +
              `${(generated / wall).toFixed(0)} tokens/s`);
  assert(errors.length === 0, `errors: ${errors.map((e) => e.reason).slice(0, 3).join(' | ')}`);
  assert(ok.every((r) => r.generated > 0), 'a client got no tokens');
});

process.exit(failed ? 1 : 0);
