// llama_cpp_tokenize.mjs - tokenizes with real llama.cpp (node-llama-cpp's
// prebuilt binaries): each text of FILE, split on llama.cpp's test separator
// "\n__ggml_vocab_test__\n", becomes one line of space-separated ids, with no
// BOS and specials parsed as PARSE_SPECIAL says. MODE "vocab" loads only the
// vocabulary; "model" loads the whole model and evaluates one token first.
// Usage: node llama_cpp_tokenize.mjs MODEL.gguf FILE vocab|model 0|1
import {getLlama} from "node-llama-cpp";
import fs from "fs";

const [model, file, mode, special] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const m = await llama.loadModel({modelPath: model, vocabOnly: mode === "vocab"});
if (mode === "model") {
    const context = await m.createContext({contextSize: 32});
    const run = context.getSequence().evaluateWithMetadata(m.tokenize("hello", false),
        {probabilities: true}, {temperature: 1});
    await run.next();
    await run.return();
    await context.dispose();
}
const texts = fs.readFileSync(file, "utf8").split("\n__ggml_vocab_test__\n").slice(0, -1);
for (const t of texts)
    console.log([...m.tokenize(t, special === "1")].join(" "));
