// obs-websocket-js driving rigcast as Bitfocus Companion's OBS module does at connect, then a
// scene switch (its event awaited), a batch, and the stream started and stopped.
//   node obs_client.mjs URL PASSWORD msgpack|json
// Prints one JSON object a line: {"step": ..., ...}; exits 1 on the first failure.
import { argv, exit, stdout } from "node:process";

const [url, password, encoding] = argv.slice(2);
const { default: OBSWebSocket, EventSubscription, RequestBatchExecutionType } =
  encoding === "json" ? await import("obs-websocket-js/json") : await import("obs-websocket-js");

const say = (step, data = {}) => stdout.write(JSON.stringify({ step, ...data }) + "\n");
const obs = new OBSWebSocket();
const seen = [];
const waitFor = (name, pred = () => true, ms = 15000) =>
  new Promise((resolve, reject) => {
    const found = seen.find((e) => e.name === name && pred(e.data));
    if (found) return resolve(found.data);
    const timer = setTimeout(() => reject(new Error(`no ${name} event in ${ms} ms`)), ms);
    const on = (data) => {
      if (!pred(data)) return;
      clearTimeout(timer);
      obs.off(name, on);
      resolve(data);
    };
    obs.on(name, on);
  });
for (const name of ["CurrentProgramSceneChanged", "StreamStateChanged", "RecordStateChanged", "InputMuteStateChanged"]) {
  obs.on(name, (data) => seen.push({ name, data }));
}

try {
  const hello = await obs.connect(url, password, { eventSubscriptions: EventSubscription.All, rpcVersion: 1 });
  say("connected", { negotiatedRpcVersion: hello.negotiatedRpcVersion, protocol: obs.socket?.protocol });

  const version = await obs.call("GetVersion");
  say("version", { rpcVersion: version.rpcVersion, obsWebSocketVersion: version.obsWebSocketVersion });

  // What Companion's module asks in one go when it connects.
  const batch = await obs.callBatch(
    [
      { requestType: "GetVersion" },
      { requestType: "GetSceneList" },
      { requestType: "GetStreamStatus" },
      { requestType: "GetRecordStatus" },
      { requestType: "Sleep", requestData: { sleepMillis: 50 } },
      { requestType: "GetInputList" },
    ],
    { executionType: RequestBatchExecutionType.SerialRealtime, haltOnFailure: false },
  );
  say("batch", {
    results: batch.map((r) => ({ requestType: r.requestType, ok: r.requestStatus.result, code: r.requestStatus.code })),
    scenes: (batch[1].responseData?.scenes ?? []).map((s) => s.sceneName),
  });

  const halted = await obs.callBatch(
    [{ requestType: "NoSuchRequest" }, { requestType: "GetVersion" }],
    { haltOnFailure: true },
  );
  say("halted", { n: halted.length, code: halted[0]?.requestStatus.code });

  await obs.call("SetCurrentProgramScene", { sceneName: "BRB" });
  const changed = await waitFor("CurrentProgramSceneChanged", (d) => d.sceneName === "BRB");
  say("scene", { event: changed.sceneName, now: (await obs.call("GetCurrentProgramScene")).currentProgramSceneName });

  await obs.call("StartStream");
  await waitFor("StreamStateChanged", (d) => d.outputActive === true, 20000);
  say("streaming", { active: (await obs.call("GetStreamStatus")).outputActive });
  await new Promise((r) => setTimeout(r, 3000));
  await obs.call("StopStream");
  await waitFor("StreamStateChanged", (d) => d.outputActive === false, 20000);
  say("stopped", { active: (await obs.call("GetStreamStatus")).outputActive });

  await obs.disconnect();
  say("done");
} catch (e) {
  say("failed", { error: String(e?.message ?? e), code: e?.code });
  exit(1);
}
