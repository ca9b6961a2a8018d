// llama_cpp_speed.mjs - real llama.cpp's prefill and decode rate on one GGUF
// (node-llama-cpp's prebuilt binaries), timed as `lathe bench generate -m`
// times lathe: a context of 256, the same 192 prompt ids ((i*7919+13) mod
// N_VOCAB) prefilled as one batch, then 64 single-token evaluations; one
// untimed prefill warms the weights up, then the best of 3 runs, each from an
// empty cache. Only the evaluation calls are timed (the model and context are
// loaded before), and, as lathe computes the logits of each evaluation's last
// token, each evaluation here asks for that token's logits too (a greedy
// token, so llama.cpp computes the output head as lathe does). Prints one
// JSON line, with the llama.cpp release and the CPU backend variant it loaded,
// for tests/bench/bench_llama_cpp.sh.
//   NODE_LLAMA_CPP_DIR=DIR node llama_cpp_speed.mjs MODEL THREADS N_VOCAB
import {readFileSync} from "node:fs";
import {createRequire} from "node:module";
import {pathToFileURL} from "node:url";

const PREFILL = 192, DECODE = 64, REPEATS = 3;
const [modelPath, threadArg, vocabArg] = process.argv.slice(2);
const threads = Number(threadArg), nVocab = Number(vocabArg);
if (!modelPath || !(threads > 0) || !(nVocab > 0)) {
    console.error("usage: NODE_LLAMA_CPP_DIR=DIR node llama_cpp_speed.mjs MODEL THREADS N_VOCAB");
    process.exit(2);
}
// node-llama-cpp lives outside the repository: resolve it from its own folder
const entry = createRequire(`${process.env.NODE_LLAMA_CPP_DIR}/`).resolve("node-llama-cpp");
const {getLlama} = await import(pathToFileURL(entry).href);

const llama = await getLlama({gpu: false, build: "never", logLevel: "error", maxThreads: threads});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({contextSize: PREFILL + DECODE, batchSize: PREFILL,
                                           sequences: 1, threads});
const seq = context.getSequence();
const ids = Array.from({length: PREFILL + DECODE}, (_, i) => (i * 7919 + 13) % nVocab);

// TOKENS as one evaluation whose last token yields logits (sampled greedily)
const withLogits = tokens => tokens.map((t, i) => i + 1 < tokens.length ? t
    : [t, {generateNext: {token: true, options: {temperature: 0}}}]);

async function timeOnce() {
    await seq.clearHistory();
    const t0 = performance.now();
    await seq.controlledEvaluate(withLogits(ids.slice(0, PREFILL)));
    const t1 = performance.now();
    for (let i = PREFILL; i < PREFILL + DECODE; i++)
        await seq.controlledEvaluate(withLogits([ids[i]]));
    const t2 = performance.now();
    return {prefill: PREFILL * 1000 / (t1 - t0), decode: DECODE * 1000 / (t2 - t1)};
}

await seq.controlledEvaluate(withLogits(ids.slice(0, PREFILL)));
const best = {prefill: 0, decode: 0};
for (let r = 0; r < REPEATS; r++) {
    const once = await timeOnce();
    best.prefill = Math.max(best.prefill, once.prefill);
    best.decode = Math.max(best.decode, once.decode);
}
// ggml loads one CPU backend library per machine; its name says which variant
const maps = readFileSync("/proc/self/maps", "utf8").match(/libggml-cpu-[A-Za-z0-9_]+/g);
console.log(JSON.stringify({
    release: `${llama.llamaCppRelease.repo}@${llama.llamaCppRelease.release}`,
    build: llama.buildType,
    variant: maps ? maps[0].replace("libggml-cpu-", "") : "unknown",
    threads: context.currentThreads,
    prefill_tokens_per_s: Number(best.prefill.toFixed(1)),
    decode_tokens_per_s: Number(best.decode.toFixed(1)),
}));
await model.dispose();
await llama.dispose();
