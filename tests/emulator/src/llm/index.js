'use strict';
// The LLM provider of the emulator: the Azure OpenAI data plane and the Bedrock runtime, their
// state (API keys, deployments, models, long-term Bedrock API keys, scripted replies), their part
// of the configuration and their control routes. Authentication reuses the other providers'
// state: the Azure token registry (lookupToken) and the AWS IamState.

const azureOpenai = require('./azure_openai');
const bedrock = require('./bedrock');
const { AzureOpenAIResource } = require('./azure_resource');
const { BedrockCatalog } = require('./bedrock_catalog');
const { ScriptQueues } = require('./script');

const intIn = (lo, hi) => (v) => (Number.isInteger(v) && v >= lo && v <= hi ? null : `must be an integer in ${lo}..${hi}`);

module.exports = {
  name: 'llm',

  targets: [azureOpenai, bedrock],

  createState() {
    return { azure: new AzureOpenAIResource(), bedrock: new BedrockCatalog(), scripts: new ScriptQueues() };
  },

  configDefaults() {
    return {
      llm: { stream_chunk_delay_ms: 0 },
      azure_openai: { token_resources: ['https://cognitiveservices.azure.com'] },
      bedrock: { max_skew_seconds: 900 },
    };
  },

  configSchema: {
    llm: { stream_chunk_delay_ms: intIn(0, 60000) },
    azure_openai: {
      token_resources: (v) =>
        Array.isArray(v) && v.length > 0 && v.every((r) => typeof r === 'string' && /^https:\/\/[^\s/]+\/?$/.test(r))
          ? null : 'must be a non-empty array of resource URIs such as https://cognitiveservices.azure.com',
    },
    bedrock: { max_skew_seconds: intIn(0, 7 * 24 * 3600) },
  },

  controlRoutes: {
    'POST /__control/azure/openai/keys': (body, emu) => emu.state.llm.azure.addKey(body),
    'POST /__control/azure/openai/deployments': (body, emu) => emu.state.llm.azure.addDeployment(body),
    'POST /__control/azure/openai/denied-principals': (body, emu) => emu.state.llm.azure.denyPrincipal(body),
    'POST /__control/bedrock/models': (body, emu) => emu.state.llm.bedrock.addModel(body),
    'POST /__control/bedrock/api-keys': (body, emu) => emu.state.llm.bedrock.addApiKey(body),
    'POST /__control/llm/script': (body, emu) => emu.state.llm.scripts.add(body),
    'POST /__control/llm/script/clear': (body, emu) => emu.state.llm.scripts.clear(body),
    'GET /__control/llm/script': (_body, emu) => emu.state.llm.scripts.pending(),
  },
};
