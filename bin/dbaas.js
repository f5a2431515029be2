#!/usr/bin/env node
// dbaas and kubectl-dbaas: run the bundled CLI (npm run build writes dist/).
import '../dist/dbaas.js'
