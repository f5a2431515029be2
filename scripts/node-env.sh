# Sourced by the project's scripts: puts a Node >= 22 first on PATH, installing Node 24 from the npm
# registry into ~/.local/node24 when the machine's Node is older (Node 20 is end-of-life).
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
NODE24_PREFIX=${DBAAS_NODE_PREFIX:-$HOME/.local/node24}
if [ -x "$NODE24_PREFIX/bin/node" ]; then
  export PATH="$NODE24_PREFIX/bin:$PATH"
fi
if [ "$(node_major)" -lt 22 ]; then
  echo "Node $(node --version 2>/dev/null || echo missing) is older than 22: installing Node 24 into $NODE24_PREFIX" >&2
  npm install -g --prefix "$NODE24_PREFIX" node@24 >&2
  export PATH="$NODE24_PREFIX/bin:$PATH"
fi
