#!/usr/bin/env bash
# The demo: installs, builds, starts the local cloud emulator (loopback only) and lets the
# llmauth command line resolve and use AWS credentials from every source of the default chain,
# printing what it did. No real cloud is contacted: every endpoint points at the emulator, and
# LLMAUTH_LOOPBACK_ONLY=1 makes the transport refuse anything but 127.0.0.1 / ::1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/install-deps.sh
scripts/build.sh build >/dev/null
llmauth="$root/build/llmauth"

state=$(mktemp -d /tmp/llmauth-demo.XXXXXX)
cleanup() { node tests/emulator/launch.js stop --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
node tests/emulator/launch.js start --state-dir "$state" >/dev/null
emu=$(node -e 'console.log(require(process.argv[1]).http)' "$state/emulator.json")
emu_https=$(node -e 'console.log(require(process.argv[1]).https)' "$state/emulator.json")
ca=$(node -e 'console.log(require(process.argv[1]).ca)' "$state/emulator.json")

# A clean, fully controlled environment for every step.
home="$state/home"; mkdir -p "$home/.aws"
run() {
  env -i PATH="$PATH" HOME="$home" LLMAUTH_LOOPBACK_ONLY=1 AWS_EC2_METADATA_DISABLED=true \
    AWS_ENDPOINT_URL_STS="$emu" AWS_REGION=us-east-1 "$@"
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*" | sed "s|$llmauth|llmauth|g; s|$state|\$DEMO|g"; }

step "1. Environment variables (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)"
show "$llmauth aws resolve"
run AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
  "$llmauth" aws resolve

step "2. A profile in ~/.aws/credentials, and an assume-role profile that sources it (STS AssumeRole)"
cat > "$home/.aws/credentials" <<INI
[base]
aws_access_key_id = AKIDEXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
INI
cat > "$home/.aws/config" <<INI
[profile bedrock-user]
role_arn = arn:aws:iam::123456789012:role/BedrockUser
source_profile = base
role_session_name = llmauth-demo
region = us-west-2

[profile tools]
credential_process = $root/build/llmauth aws export-credentials --profile base --format process
INI
show "$llmauth aws resolve --profile base"
run "$llmauth" aws resolve --profile base
show "$llmauth aws resolve --profile bedrock-user"
run "$llmauth" aws resolve --profile bedrock-user

step "3. credential_process (here: llmauth itself, exporting another profile)"
show "$llmauth aws resolve --profile tools"
run "$llmauth" aws resolve --profile tools

step "4. Web identity (EKS IRSA / OIDC): AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN"
echo "web-identity-token-for-tests" > "$state/token"
show "AWS_WEB_IDENTITY_TOKEN_FILE=\$DEMO/token AWS_ROLE_ARN=arn:aws:iam::123456789012:role/irsa $llmauth aws resolve"
run AWS_WEB_IDENTITY_TOKEN_FILE="$state/token" AWS_ROLE_ARN=arn:aws:iam::123456789012:role/irsa \
  "$llmauth" aws resolve

step "5. Container credentials (ECS / EKS Pod Identity), with an authorization token"
curl -sS -X POST -H 'content-type: application/json' -d '{"container":{"authorization":"demo-pod-token"}}' "$emu/__control/config" >/dev/null
show "AWS_CONTAINER_CREDENTIALS_FULL_URI=$emu/container/credentials AWS_CONTAINER_AUTHORIZATION_TOKEN=… $llmauth aws resolve"
run AWS_CONTAINER_CREDENTIALS_FULL_URI="$emu/container/credentials" AWS_CONTAINER_AUTHORIZATION_TOKEN=demo-pod-token \
  "$llmauth" aws resolve

step "6. Instance metadata (IMDSv2, token required)"
curl -sS -X POST -H 'content-type: application/json' -d '{"imds":{"mode":"required"}}' "$emu/__control/config" >/dev/null
show "AWS_EC2_METADATA_SERVICE_ENDPOINT=$emu $llmauth aws resolve"
run AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="$emu" "$llmauth" aws resolve

step "7. IAM Identity Center (SSO): the token \`aws sso login\` cached, exchanged for role credentials"
# The emulator plays the login: it mints an SSO session, written where `aws sso login` writes it.
mkdir -p "$home/.aws/sso/cache"
curl -sS -X POST -H 'content-type: application/json' \
  -d '{"start_url":"https://d-demo.awsapps.com/start","region":"us-east-1"}' \
  "$emu/__control/sso/sessions" > "$home/.aws/sso/cache/$(printf %s demo-sso | sha1sum | cut -d' ' -f1).json"
cat > "$home/.aws/config" <<INI
[profile sso-dev]
sso_session = demo-sso
sso_account_id = 111122223333
sso_role_name = BedrockDeveloper

[sso-session demo-sso]
sso_start_url = https://d-demo.awsapps.com/start
sso_region = us-east-1
INI
show "AWS_ENDPOINT_URL_SSO=$emu $llmauth aws resolve --profile sso-dev"
run AWS_ENDPOINT_URL_SSO="$emu" AWS_ENDPOINT_URL_SSO_OIDC="$emu" "$llmauth" aws resolve --profile sso-dev
rm -rf "$home/.aws/sso"

step "8. Nothing configured: every source says why"
show "$llmauth aws resolve"
rm -f "$home/.aws/config" "$home/.aws/credentials"
run "$llmauth" aws resolve || echo "(exit code $?)"

step "9. Sign a Bedrock-style request and send it to the emulator, which verifies it with @smithy/signature-v4"
cat > "$home/.aws/credentials" <<INI
[default]
aws_access_key_id = AKIDEXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
INI
show "$llmauth aws sign --service bedrock --method POST --url $emu_https/echo/model/anthropic.claude-3-haiku/converse -H 'content-type: application/json' --data '{…}' --output curl --ca-bundle \$DEMO/ca.pem | sh"
# With a CA bundle in use the curl command carries --cacert with the same file.
run "$llmauth" aws sign --service bedrock --method POST \
  --url "$emu_https/echo/model/anthropic.claude-3-haiku/converse" \
  -H 'content-type: application/json' --data '{"messages":[{"role":"user","content":[{"text":"hi"}]}]}' \
  --output curl --ca-bundle "$ca" > "$state/signed.sh"
sh "$state/signed.sh"; echo

step "10. Mint a short-term Bedrock API key (bearer token), shown truncated"
show "$llmauth aws bedrock-token --expires 3600 --output json"
run "$llmauth" aws bedrock-token --expires 3600 --output json |
  node -e 'const j=JSON.parse(require("fs").readFileSync(0));j.token=j.token.slice(0,40)+"…";console.log(JSON.stringify(j,null,2))'

# ---- Azure ------------------------------------------------------------------------------------
# Entra ID is https-only: the emulator serves it with a throwaway CA that llmauth trusts through
# --ca-bundle (verification stays on).
azrun() {
  env -i PATH="${AZ_PATH:-$PATH}" HOME="$home" LLMAUTH_LOOPBACK_ONLY=1 "$@"
}
tenant=00000000-0000-0000-0000-000000000001
client=11111111-1111-1111-1111-111111111111

step "11. Azure service principal with a client secret (EnvironmentCredential → Entra ID over TLS)"
show "AZURE_TENANT_ID=… AZURE_CLIENT_ID=… AZURE_CLIENT_SECRET=… AZURE_AUTHORITY_HOST=$emu_https $llmauth --ca-bundle \$DEMO/ca.pem azure resolve"
azrun AZURE_TENANT_ID=$tenant AZURE_CLIENT_ID=$client AZURE_CLIENT_SECRET=emulator-client-secret \
  AZURE_AUTHORITY_HOST="$emu_https" "$llmauth" --ca-bundle "$ca" azure resolve

step "12. Workload identity (AKS): a federated token file exchanged at Entra ID"
echo "emulator-federated-token" > "$state/federated-token"
show "AZURE_FEDERATED_TOKEN_FILE=\$DEMO/federated-token … $llmauth --ca-bundle \$DEMO/ca.pem azure resolve"
azrun AZURE_TENANT_ID=$tenant AZURE_CLIENT_ID=$client AZURE_FEDERATED_TOKEN_FILE="$state/federated-token" \
  AZURE_AUTHORITY_HOST="$emu_https" "$llmauth" --ca-bundle "$ca" azure resolve

step "13. Managed identity on App Service (IDENTITY_ENDPOINT + IDENTITY_HEADER)"
show "IDENTITY_ENDPOINT=$emu/msi/token IDENTITY_HEADER=… $llmauth azure resolve"
azrun IDENTITY_ENDPOINT="$emu/msi/token" IDENTITY_HEADER=emulator-identity-header "$llmauth" azure resolve

step "14. User-assigned managed identity on a VM (IMDS), by client id"
show "AZURE_POD_IDENTITY_AUTHORITY_HOST=$emu $llmauth azure token --credential managed-identity --client-id 44444444-… --output json (token truncated)"
azrun AZURE_POD_IDENTITY_AUTHORITY_HOST="$emu" "$llmauth" azure token --credential managed-identity \
  --client-id 44444444-4444-4444-4444-444444444444 --output json |
  node -e 'const j=JSON.parse(require("fs").readFileSync(0));j.accessToken=j.accessToken.slice(0,16)+"…";console.log(JSON.stringify(j,null,2))'

step "15. Developer machine: the Azure CLI (a fake 'az' first on PATH); no IMDS answers, so the managed-identity probe gives up after 1 s"
curl -sS -X POST -H 'content-type: application/json' -d '{"azure":{"imds":{"mode":"absent"}}}' "$emu/__control/config" >/dev/null
show "PATH=tests/emulator/bin:\$PATH AZURE_POD_IDENTITY_AUTHORITY_HOST=$emu $llmauth azure resolve"
AZ_PATH="$root/tests/emulator/bin:$PATH" azrun AZURE_POD_IDENTITY_AUTHORITY_HOST="$emu" "$llmauth" azure resolve

# ---- Chat through provider configs -------------------------------------------------------------
cat > "$state/providers.json" <<JSON
{
  "providers": [
    {"name": "azure-key", "type": "azure_openai", "endpoint": "$emu", "deployment": "gpt-4o",
     "auth": {"type": "api_key", "api_key": {"env": "DEMO_AZURE_OPENAI_KEY"}}},
    {"name": "azure-sp", "type": "azure_openai", "endpoint": "$emu", "api": "deployments",
     "api_version": "2024-10-21", "deployment": "gpt-4o-mini",
     "auth": {"type": "azure_ad_token_provider", "tenant_id": "$tenant", "client_id": "$client",
              "client_secret": {"env": "DEMO_CLIENT_SECRET"}}},
    {"name": "bedrock-role", "type": "aws_bedrock", "region": "us-east-1",
     "model": "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
     "auth": {"type": "assume_role", "role_arn": "arn:aws:iam::123456789012:role/BedrockUser",
              "source": {"type": "access_keys", "access_key_id": "AKIDEXAMPLE",
                         "secret_access_key": {"env": "DEMO_AWS_SECRET"}}}},
    {"name": "bedrock-api-key", "type": "aws_bedrock", "region": "us-east-1",
     "model": "anthropic.claude-3-haiku-20240307-v1:0",
     "auth": {"type": "bearer_token", "token": {"env": "DEMO_BEDROCK_API_KEY"}}}
  ]
}
JSON
chatrun() {
  env -i PATH="$PATH" HOME="$home" LLMAUTH_LOOPBACK_ONLY=1 AWS_EC2_METADATA_DISABLED=true \
    AWS_ENDPOINT_URL_STS="$emu" AWS_ENDPOINT_URL_BEDROCK_RUNTIME="$emu" AZURE_AUTHORITY_HOST="$emu_https" \
    DEMO_AZURE_OPENAI_KEY=emulator-azure-openai-key-1 DEMO_CLIENT_SECRET=emulator-client-secret \
    DEMO_AWS_SECRET=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY DEMO_BEDROCK_API_KEY="$bedrock_key" \
    "$llmauth" --ca-bundle "$ca" "$@"
}
bedrock_key=$(run AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
  "$llmauth" aws bedrock-token --expires 900)

step "16. A provider config (secrets by reference: {\"env\": …}), validated"
show "$llmauth providers validate \$DEMO/providers.json"
chatrun providers validate "$state/providers.json" | sed "s|$state|\$DEMO|g"

step "17. Test every provider: credentials acquired, the cheapest authenticated call made"
show "$llmauth providers test \$DEMO/providers.json"
chatrun providers test "$state/providers.json"

step "18. Chat: Azure OpenAI with an API key (v1 API)"
show "$llmauth chat --config \$DEMO/providers.json --provider azure-key 'Hello from llmauth'"
chatrun chat --config "$state/providers.json" --provider azure-key "Hello from llmauth"

step "19. Chat, streamed: Azure OpenAI with a service principal's Entra token (deployments API)"
show "$llmauth chat --config \$DEMO/providers.json --provider azure-sp --stream 'Stream this answer word by word'"
chatrun chat --config "$state/providers.json" --provider azure-sp --stream "Stream this answer word by word"

step "20. Chat, streamed: Bedrock ConverseStream, SigV4 with an assumed role, inference profile id"
show "$llmauth chat --config \$DEMO/providers.json --provider bedrock-role --stream --system 'Be brief.' 'What is SigV4?'"
chatrun chat --config "$state/providers.json" --provider bedrock-role --stream --system "Be brief." "What is SigV4?"

step "21. Chat: Bedrock with a Bedrock API key (bearer token), JSON output"
show "echo 'Which key am I using?' | $llmauth chat --config \$DEMO/providers.json --provider bedrock-api-key --json -"
echo "Which key am I using?" | chatrun chat --config "$state/providers.json" --provider bedrock-api-key --json -

# ---- The gateway: llmauth serve ------------------------------------------------------------------
step "22. The gateway: a key for a client, then llmauth serve holding every provider's credential"
show "$llmauth keys create --keys \$DEMO/keys.json --name demo-app"
gw_key=$(chatrun keys create --keys "$state/keys.json" --name demo-app 2>/dev/null)
echo "(a new key, printed once by keys create; the demo keeps it in \$KEY)"
show "$llmauth serve --config \$DEMO/providers.json --keys \$DEMO/keys.json --listen 127.0.0.1:0 &"
env -i PATH="$PATH" HOME="$home" LLMAUTH_LOOPBACK_ONLY=1 AWS_EC2_METADATA_DISABLED=true \
  AWS_ENDPOINT_URL_STS="$emu" AWS_ENDPOINT_URL_BEDROCK_RUNTIME="$emu" AZURE_AUTHORITY_HOST="$emu_https" \
  AWS_CA_BUNDLE="$ca" DEMO_AZURE_OPENAI_KEY=emulator-azure-openai-key-1 \
  DEMO_CLIENT_SECRET=emulator-client-secret DEMO_AWS_SECRET=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
  DEMO_BEDROCK_API_KEY="$bedrock_key" \
  "$llmauth" serve --config "$state/providers.json" --keys "$state/keys.json" --listen 127.0.0.1:0 \
  2>"$state/serve.log" &
gw_pid=$!
cleanup() {
  kill "$gw_pid" 2>/dev/null || true
  node tests/emulator/launch.js stop --state-dir "$state" >/dev/null 2>&1 || true
  rm -rf "$state"
}
gw=""
for _ in $(seq 1 100); do
  gw=$(sed -n 's/^llmauth serve: listening on //p' "$state/serve.log" | head -1)
  [ -n "$gw" ] && curl -sf "http://$gw/readyz" >/dev/null && break
  sleep 0.1
done
[ -n "$gw" ] || { cat "$state/serve.log"; echo "the gateway did not start"; exit 1; }
echo "listening on http://$gw; /readyz:"
curl -s "http://$gw/readyz" | node -e 'const j=JSON.parse(require("fs").readFileSync(0));for(const[n,p]of Object.entries(j.providers))console.log(`  ${n.padEnd(16)} ${p.credential.padEnd(5)} ${p.source}`)'

step "23. curl through the gateway: OpenAI's API, answered by Azure OpenAI (the client holds only the gateway key)"
show "curl http://$gw/v1/chat/completions -H 'Authorization: Bearer \$KEY' -d '{\"model\": \"azure-key\", …}'"
curl -s "http://$gw/v1/chat/completions" -H "Authorization: Bearer $gw_key" -H 'content-type: application/json' \
  -d '{"model":"azure-key","messages":[{"role":"user","content":"Hello through the gateway"}]}' |
  node -e 'const j=JSON.parse(require("fs").readFileSync(0));console.log(j.choices[0].message.content)'

step "24. Streamed, from Bedrock (translated to ConverseStream, signed with the assumed role's SigV4)"
show "curl -N http://$gw/v1/chat/completions -d '{\"model\": \"bedrock-role\", \"stream\": true, …}'"
curl -sN "http://$gw/v1/chat/completions" -H "Authorization: Bearer $gw_key" -H 'content-type: application/json' \
  -d '{"model":"bedrock-role","stream":true,"messages":[{"role":"user","content":"Stream from Bedrock"}]}' |
  sed -n 's/^data: //p' | node -e 'let t="";for(const l of require("fs").readFileSync(0,"utf8").split("\n")){if(!l||l==="[DONE]")continue;const j=JSON.parse(l);for(const c of j.choices)t+=c.delta.content??""}console.log(t)'

step "25. Tools through the gateway (Bedrock toolUse <-> OpenAI tool_calls)"
curl -s "http://$gw/v1/chat/completions" -H "Authorization: Bearer $gw_key" -H 'content-type: application/json' \
  -d '{"model":"bedrock-role","tool_choice":"required","messages":[{"role":"user","content":"Weather in Oslo?"}],
       "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}' |
  node -e 'const j=JSON.parse(require("fs").readFileSync(0));const c=j.choices[0];console.log(`finish_reason ${c.finish_reason}: ${c.message.tool_calls[0].function.name}(${c.message.tool_calls[0].function.arguments})`)'

step "26. Without the key: OpenAI's error shape"
curl -s "http://$gw/v1/chat/completions" -H 'content-type: application/json' -d '{"model":"azure-key","messages":[]}'
echo
echo "metrics: $(curl -s "http://$gw/metrics" | grep -c '^llmauth_') series at http://$gw/metrics"

printf '\nDemo finished: every credential and every answer above came from the local emulator.\n'
