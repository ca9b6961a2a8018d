// llama_cpp_greedy.mjs - real llama.cpp's greedy continuation of a raw prompt
// (node-llama-cpp's prebuilt binaries), printed as a JSON string, for
// tests/interop/llama_cpp_quant.sh. Usage: node llama_cpp_greedy.mjs MODEL PROMPT N
import {getLlama} from "node-llama-cpp";

const [modelPath, prompt, n] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({contextSize: 256});
const out = [];
for await (const t of context.getSequence().evaluate(model.tokenize(prompt, false),
                                                      {temperature: 0})) {
    out.push(t);
    if (out.length >= Number(n))
        break;
}
console.log(JSON.stringify(model.detokenize(out)));
