#!/usr/bin/env node
// SPDX-License-Identifier: GPL-3.0-or-later
// Runs an ONNX model with ONNX Runtime's CPU provider: the reference that
// Convscope's fidelity test compares against, and the other side of
// tools/bench.  With OUTPUT.npy it writes the model's first output; with
// --runs it times session.run after a warm-up and reports the median and
// the process's peak resident memory, as JSON with --json.
//
// Usage: ort-run.js MODEL INPUT.npy [OUTPUT.npy] [--threads N]
//                   [--optimization disabled|basic|extended|all]
//                   [--runs N] [--warmup N] [--json]
// --warmup counts untimed runs before the timed ones (default 3); the
// first run always happens, so 0 and 1 mean the same.
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');
const { readNpy, writeNpy } = require('./npy');

const USAGE = 'usage: ort-run.js MODEL INPUT.npy [OUTPUT.npy] [--threads N] ' +
  '[--optimization disabled|basic|extended|all] [--runs N] [--warmup N] [--json]';

function parseArgs(argv) {
  const opts = { threads: 0, optimization: 'all', runs: 0, warmup: 3, json: false, files: [] };
  const intOption = (name, value, min) => {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min)
      throw new Error(`${name} needs an integer ≥ ${min}\n${USAGE}`);
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--threads')
      opts.threads = intOption(arg, argv[++i], 0);
    else if (arg === '--runs')
      opts.runs = intOption(arg, argv[++i], 1);
    else if (arg === '--warmup')
      opts.warmup = intOption(arg, argv[++i], 0);
    else if (arg === '--optimization') {
      opts.optimization = argv[++i];
      if (!['disabled', 'basic', 'extended', 'all'].includes(opts.optimization))
        throw new Error(`unknown optimization level "${opts.optimization}"\n${USAGE}`);
    } else if (arg === '--json')
      opts.json = true;
    else if (arg.startsWith('--'))
      throw new Error(`unknown option ${arg}\n${USAGE}`);
    else
      opts.files.push(arg);
  }
  if (opts.files.length < 2 || opts.files.length > 3)
    throw new Error(USAGE);
  return opts;
}

// Peak resident set size of this process in KiB, from the kernel's record.
function peakRssKiB() {
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : null;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const [modelPath, inputPath, outputPath] = opts.files;

  const sessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: opts.optimization,
    executionMode: 'sequential',
    interOpNumThreads: 1,
  };
  if (opts.threads > 0)
    sessionOptions.intraOpNumThreads = opts.threads;
  const session = await ort.InferenceSession.create(modelPath, sessionOptions);
  if (session.inputNames.length !== 1)
    throw new Error(`${modelPath}: ${session.inputNames.length} inputs, expected 1`);

  const input = readNpy(inputPath);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input.data, input.shape) };
  const outputName = session.outputNames[0];

  let result = await session.run(feeds);
  if (outputPath) {
    const output = result[outputName];
    if (output.type !== 'float32')
      throw new Error(`${modelPath}: output ${outputName} is ${output.type}, expected float32`);
    writeNpy(outputPath, output.dims, output.data);
  }

  if (opts.runs > 0) {
    for (let i = 1; i < opts.warmup; i++)   // the run above was the first warm-up
      result = await session.run(feeds);
    const times = [];
    for (let i = 0; i < opts.runs; i++) {
      const start = process.hrtime.bigint();
      result = await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const report = {
      engine: 'onnxruntime',
      version: ort.env.versions.node,
      model: path.basename(modelPath),
      threads: opts.threads,
      optimization: opts.optimization,
      runs: opts.runs,
      median_ms: median(times),
      min_ms: Math.min(...times),
      peak_rss_kib: peakRssKiB(),
    };
    if (opts.json)
      console.log(JSON.stringify(report));
    else
      console.log(`${report.model}: median ${report.median_ms.toFixed(2)} ms ` +
                  `(min ${report.min_ms.toFixed(2)} ms, ${opts.runs} runs), ` +
                  `peak RSS ${(report.peak_rss_kib / 1024).toFixed(1)} MiB`);
  }
}

main().catch(err => {
  console.error(`ort-run: ${err.message}`);
  process.exit(1);
});
