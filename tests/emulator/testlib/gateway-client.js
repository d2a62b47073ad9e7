'use strict';
// Drives `llmauth serve` with the official clients, in a process of its own, and prints one JSON
// line of what they got. The gateway tests (tests/integration/gateway) run it and assert on it.
//
//   node gateway-client.js '{"client":"openai","baseURL":"http://127.0.0.1:P/v1","apiKey":"…",
//                            "model":"…","calls":["chat","stream","tools","tool_stream",
//                            "unknown_model","models"]}'
//   node gateway-client.js '{"client":"bedrock","endpoint":"http://127.0.0.1:P/bedrock/NAME",
//                            "token":"…","model":"…","calls":["converse","converse_stream"]}'
// Output: {"results":{"chat":{…}|{"error":{"status","name","message","code"}}, …}}

const OpenAI = require('openai');
const {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
} = require('@aws-sdk/client-bedrock-runtime');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

function errorOf(e) {
  return { error: { status: e.status ?? e.$metadata?.httpStatusCode ?? null, name: e.name ?? null, message: String(e.message ?? e), code: e.code ?? null, type: e.type ?? null } };
}

async function openaiCall(client, model, call) {
  const user = (text) => [{ role: 'user', content: text }];
  switch (call) {
    case 'chat': {
      const r = await client.chat.completions.create({ model, messages: user('Hello gateway') });
      return { id: r.id, object: r.object, content: r.choices[0].message.content, finish_reason: r.choices[0].finish_reason, usage: r.usage };
    }
    case 'stream': {
      const stream = await client.chat.completions.create({ model, messages: user('Stream please'), stream: true, stream_options: { include_usage: true } });
      let content = '';
      let chunks = 0;
      let finish = null;
      let usage = null;
      const ids = new Set();
      for await (const chunk of stream) {
        chunks += 1;
        ids.add(chunk.id);
        if (chunk.usage) usage = chunk.usage;
        for (const c of chunk.choices) {
          if (c.delta?.content) content += c.delta.content;
          if (c.finish_reason) finish = c.finish_reason;
        }
      }
      return { content, chunks, finish_reason: finish, usage, ids: ids.size };
    }
    case 'tools': {
      const r = await client.chat.completions.create({ model, messages: user('What is the weather in Paris? Use the tool.'), tools: TOOLS, tool_choice: 'required' });
      const m = r.choices[0].message;
      const calls = (m.tool_calls ?? []).map((t) => ({ id: t.id, name: t.function.name, arguments: JSON.parse(t.function.arguments) }));
      // The second turn: the tool's answer goes back, the model answers in text.
      const second = await client.chat.completions.create({
        model,
        tools: TOOLS,
        messages: [
          ...user('What is the weather in Paris? Use the tool.'),
          { role: 'assistant', content: null, tool_calls: m.tool_calls },
          ...calls.map((c) => ({ role: 'tool', tool_call_id: c.id, content: 'sunny, 21 C' })),
        ],
      });
      return { finish_reason: r.choices[0].finish_reason, calls, second: second.choices[0].message.content };
    }
    case 'tool_stream': {
      const stream = await client.chat.completions.create({ model, messages: user('Weather in Oslo? Use the tool.'), tools: TOOLS, tool_choice: 'required', stream: true });
      const calls = {};
      let finish = null;
      for await (const chunk of stream) {
        for (const c of chunk.choices) {
          for (const t of c.delta?.tool_calls ?? []) {
            calls[t.index] ??= { id: '', name: '', arguments: '' };
            if (t.id) calls[t.index].id = t.id;
            if (t.function?.name) calls[t.index].name = t.function.name;
            if (t.function?.arguments) calls[t.index].arguments += t.function.arguments;
          }
          if (c.finish_reason) finish = c.finish_reason;
        }
      }
      return { finish_reason: finish, calls: Object.values(calls).map((c) => ({ ...c, arguments: JSON.parse(c.arguments) })) };
    }
    case 'unknown_model': {
      await client.chat.completions.create({ model: 'no-such-provider/x', messages: user('x') });
      return { unexpected: 'no error' };
    }
    case 'models': {
      const list = await client.models.list();
      return { ids: list.data.map((m) => m.id) };
    }
    default:
      throw new Error(`unknown call ${call}`);
  }
}

async function bedrockCall(client, model, call) {
  const messages = [{ role: 'user', content: [{ text: 'Hello Bedrock passthrough' }] }];
  if (call === 'converse') {
    const r = await client.send(new ConverseCommand({ modelId: model, messages }));
    return { text: r.output.message.content[0].text, stopReason: r.stopReason, usage: r.usage };
  }
  if (call === 'converse_stream') {
    const r = await client.send(new ConverseStreamCommand({ modelId: model, messages }));
    let text = '';
    let stopReason = null;
    let events = 0;
    for await (const ev of r.stream) {
      events += 1;
      if (ev.contentBlockDelta?.delta?.text) text += ev.contentBlockDelta.delta.text;
      if (ev.messageStop) stopReason = ev.messageStop.stopReason;
    }
    return { text, stopReason, events };
  }
  throw new Error(`unknown call ${call}`);
}

async function main() {
  const s = JSON.parse(process.argv[2]);
  const results = {};
  if (s.client === 'openai') {
    const client = new OpenAI({ baseURL: s.baseURL, apiKey: s.apiKey, maxRetries: 0, timeout: 30000 });
    for (const call of s.calls) {
      try {
        results[call] = await openaiCall(client, s.model, call);
      } catch (e) {
        results[call] = errorOf(e);
      }
    }
  } else if (s.client === 'bedrock') {
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: s.endpoint,
      token: { token: s.token },
      authSchemePreference: ['httpBearerAuth'],
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 1,
    });
    for (const call of s.calls) {
      try {
        results[call] = await bedrockCall(client, s.model, call);
      } catch (e) {
        results[call] = errorOf(e);
      }
    }
  } else {
    throw new Error(`unknown client ${s.client}`);
  }
  process.stdout.write(JSON.stringify({ results }) + '\n');
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ fatal: String(e && e.stack ? e.stack : e) }) + '\n');
  process.exit(1);
});
