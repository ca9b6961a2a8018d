// llama_cpp_top5.mjs - prints real llama.cpp's top-5 next-token probabilities
// (through the node-llama-cpp package's prebuilt binaries) for the models and
// adapters `export_fixtures --llama-cpp` wrote into DIR, one line per case in
// that program's "TAG: id=p ..." format. Usage: node llama_cpp_top5.mjs DIR
import {getLlama} from "node-llama-cpp";

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const probe = [1, 450, 4996, 17354, 1701, 29916];

async function top5(modelPath, lora) {
    const model = await llama.loadModel({modelPath});
    const options = {contextSize: 64};
    if (lora)
        options.lora = {adapters: [{filePath: lora}]};
    const context = await model.createContext(options);
    const run = context.getSequence().evaluateWithMetadata(probe, {probabilities: true},
        {temperature: 1, topK: 0, topP: 1, minP: 0});
    const first = (await run.next()).value;
    await run.return();
    await context.dispose();
    await model.dispose();
    return [...first.probabilities.entries()].slice(0, 5)
        .map(([id, p]) => `${id}=${p.toFixed(6)}`).join(" ");
}

const dir = process.argv[2];
for (const arch of ["llama", "qwen2"]) {
    console.log(`${arch} base: ${await top5(`${dir}/${arch}-base.gguf`)}`);
    console.log(`${arch} lora: ${await top5(`${dir}/${arch}-base.gguf`, `${dir}/${arch}-lora.gguf`)}`);
    console.log(`${arch} merged-f16: ${await top5(`${dir}/${arch}-merged-f16.gguf`)}`);
    console.log(`${arch} merged-q8: ${await top5(`${dir}/${arch}-merged-q8.gguf`)}`);
}
