// The official openai client against hart serve (started by tests/server/openai_client_test.cpp).
// env: BASE_URL (http://127.0.0.1:PORT/v1), API_KEY, MODEL. Prints one line per check
// ("ok name" or "FAIL name: why") and exits 1 if any failed.
import OpenAI from 'openai';

const { BASE_URL, API_KEY, MODEL } = process.env;
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

process.exit(failed ? 1 : 0);
