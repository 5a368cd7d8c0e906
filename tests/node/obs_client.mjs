// obs-websocket-js driving rigcast as Bitfocus Companion's OBS module does: its connect
// sequence (companion-module-obs-studio index.js: connectOBS, obsInfo, buildSceneList and the
// rest, batches included), then a scene switch (its event awaited), a halted batch, an item
// moved, the stream started, an item hidden, a text changed, a screenshot of a scene, the
// meters read while the test plays a tone, and the stream stopped.
//   node obs_client.mjs URL PASSWORD msgpack|json SCREENSHOT_FILE
// Prints one JSON object a line: {"step": ..., ...}; exits 1 on the first failure.
import { writeFileSync } from "node:fs";
import { argv, exit, stdout } from "node:process";

const [url, password, encoding, shotFile] = argv.slice(2);
const { default: OBSWebSocket, EventSubscription, RequestBatchExecutionType } =
  encoding === "json" ? await import("obs-websocket-js/json") : await import("obs-websocket-js");

const say = (step, data = {}) => stdout.write(JSON.stringify({ step, t: Date.now() / 1000, ...data }) + "\n");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const obs = new OBSWebSocket();
const seen = [];
// An event already seen since index ``from`` of ``seen``, or the next one to come.
const waitFor = (name, pred = () => true, ms = 15000, from = 0) =>
  new Promise((resolve, reject) => {
    const found = seen.slice(from).find((e) => e.name === name && pred(e.data));
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
for (const name of ["CurrentProgramSceneChanged", "StreamStateChanged", "RecordStateChanged", "InputMuteStateChanged",
  "SceneItemEnableStateChanged", "SceneItemTransformChanged", "InputSettingsChanged", "SceneTransitionStarted",
  "SceneTransitionEnded"]) {
  obs.on(name, (data) => seen.push({ name, data }));
}

// Companion's sendRequest / sendBatch: every answer noted, failures included (it carries on).
const calls = [];
async function sendRequest(requestType, requestData) {
  try {
    const data = await obs.call(requestType, requestData);
    calls.push({ requestType, ok: true });
    return data;
  } catch (e) {
    calls.push({ requestType, ok: false, code: e?.code });
    return undefined;
  }
}
async function sendBatch(batch) {
  const data = await obs.callBatch(batch);
  for (const r of data) calls.push({ requestType: r.requestType, ok: r.requestStatus.result, code: r.requestStatus.code });
  return data;
}

async function getAudioSources(sourceName) {
  if (!(await sendRequest("GetInputAudioTracks", { inputName: sourceName }))) return;
  const batch = ["GetInputMute", "GetInputVolume", "GetInputAudioBalance", "GetInputAudioSyncOffset",
    "GetInputAudioMonitorType", "GetInputAudioTracks"].map((requestType) =>
    ({ requestId: sourceName, requestType, requestData: { inputName: sourceName } }));
  return sendBatch(batch);
}

async function companionConnect() {
  const hello = await obs.connect(url, password, {
    eventSubscriptions: EventSubscription.All | EventSubscription.InputActiveStateChanged |
      EventSubscription.InputShowStateChanged | EventSubscription.InputVolumeMeters |
      EventSubscription.SceneItemTransformChanged,
    rpcVersion: 1,
  });
  say("connected", { negotiatedRpcVersion: hello.negotiatedRpcVersion, protocol: obs.socket?.protocol });
  // obsInfo()
  const version = await sendRequest("GetVersion");
  await sendRequest("GetStudioModeEnabled");
  const hotkeys = await sendRequest("GetHotkeyList");
  const outputs = await sendRequest("GetOutputList");
  for (const o of outputs?.outputs ?? []) await sendRequest("GetOutputStatus", { outputName: o.outputName });
  const monitors = await sendRequest("GetMonitorList");
  await sendRequest("GetVideoSettings");
  await sendRequest("GetReplayBufferStatus");
  const kinds = await sendRequest("GetInputKindList");
  const defaults = {};
  await Promise.all((kinds?.inputKinds ?? []).map(async (k) => {
    defaults[k] = await sendRequest("GetInputDefaultSettings", { inputKind: k });
  }));
  // the rest of connectOBS()
  await sendRequest("GetStats");
  await sendRequest("GetRecordStatus");
  await sendRequest("GetRecordDirectory");
  await sendRequest("GetStreamStatus");
  const service = await sendRequest("GetStreamServiceSettings");
  await sendRequest("GetProfileList");
  await sendRequest("GetSceneCollectionList");
  const transitions = await sendRequest("GetSceneTransitionList");
  await sendRequest("GetCurrentSceneTransition");
  const special = await sendRequest("GetSpecialInputs");
  for (const input of Object.values(special ?? {})) if (input) await getAudioSources(input);
  const sceneList = await sendRequest("GetSceneList");
  const settings = {};
  await Promise.all((sceneList?.scenes ?? []).map(async (scene) => {
    const data = await sendRequest("GetSceneItemList", { sceneName: scene.sceneName });
    const batch = [];
    for (const item of data?.sceneItems ?? []) {
      batch.push({ requestId: item.sourceName, requestType: "GetSourceActive", requestData: { sourceName: item.sourceName } },
        { requestId: item.sourceName, requestType: "GetSourceFilterList", requestData: { sourceName: item.sourceName } });
      if (item.inputKind) batch.push({ requestId: item.sourceName, requestType: "GetInputSettings", requestData: { inputName: item.sourceName } });
      await getAudioSources(item.sourceName);
    }
    for (const r of await sendBatch(batch)) {
      if (r.requestType === "GetInputSettings" && r.requestStatus.result) settings[r.requestId] = r.responseData.inputSettings;
    }
    await sendRequest("GetSourceFilterList", { sourceName: scene.sceneName });
  }));
  say("companion", {
    calls, imageFormats: version?.supportedImageFormats, hotkeys: hotkeys?.hotkeys, monitors: monitors?.monitors,
    kinds: kinds?.inputKinds, defaults, service: service?.streamServiceSettings,
    transitions: (transitions?.transitions ?? []).map((t) => t.transitionName), special, settings,
    scenes: (sceneList?.scenes ?? []).map((s) => s.sceneName),
  });
}

try {
  await companionConnect();

  const batch = await obs.callBatch(
    [
      { requestType: "GetVersion" },
      { requestType: "Sleep", requestData: { sleepMillis: 50 } },
      { requestType: "GetInputList" },
    ],
    { executionType: RequestBatchExecutionType.SerialRealtime, haltOnFailure: false },
  );
  say("batch", { results: batch.map((r) => ({ requestType: r.requestType, ok: r.requestStatus.result, code: r.requestStatus.code })) });
  const halted = await obs.callBatch([{ requestType: "NoSuchRequest" }, { requestType: "GetVersion" }], { haltOnFailure: true });
  say("halted", { n: halted.length, code: halted[0]?.requestStatus.code });

  await obs.call("SetCurrentProgramScene", { sceneName: "BRB" });
  const changed = await waitFor("CurrentProgramSceneChanged", (d) => d.sceneName === "BRB");
  await waitFor("SceneTransitionEnded");
  say("scene", { event: changed.sceneName, now: (await obs.call("GetCurrentProgramScene")).currentProgramSceneName });
  let mark = seen.length;
  await obs.call("SetCurrentProgramScene", { sceneName: "Game" });
  await waitFor("CurrentProgramSceneChanged", (d) => d.sceneName === "Game", 15000, mark);

  // An item moved by its transform, as Companion's "set transform" action does.
  const { sceneItemId: titleId } = await obs.call("GetSceneItemId", { sceneName: "Game", sourceName: "title" });
  const before = (await obs.call("GetSceneItemTransform", { sceneName: "Game", sceneItemId: titleId })).sceneItemTransform;
  await obs.call("SetSceneItemTransform", { sceneName: "Game", sceneItemId: titleId,
    sceneItemTransform: { positionX: before.positionX + 20 } });
  const moved = await waitFor("SceneItemTransformChanged", (d) => d.sceneItemId === titleId);
  const after = (await obs.call("GetSceneItemTransform", { sceneName: "Game", sceneItemId: titleId })).sceneItemTransform;
  say("transform", { before: before.positionX, after: after.positionX, event: moved.sceneItemTransform.positionX });

  await obs.call("StartStream");
  await waitFor("StreamStateChanged", (d) => d.outputState === "OBS_WEBSOCKET_OUTPUT_STARTED", 20000);
  say("streaming", { active: (await obs.call("GetStreamStatus")).outputActive });
  await sleep(2500);

  const { sceneItemId: boxId } = await obs.call("GetSceneItemId", { sceneName: "Game", sourceName: "box" });
  await obs.call("SetSceneItemEnabled", { sceneName: "Game", sceneItemId: boxId, sceneItemEnabled: false });
  const hidden = await waitFor("SceneItemEnableStateChanged", (d) => d.sceneItemId === boxId);
  say("hidden", { enabled: hidden.sceneItemEnabled });
  await sleep(2000);

  await obs.call("SetInputSettings", { inputName: "title", inputSettings: { text: "WWWWWWWW" } });
  const text = await waitFor("InputSettingsChanged", (d) => d.inputName === "title");
  say("text", { event: text.inputSettings.text,
    now: (await obs.call("GetInputSettings", { inputName: "title" })).inputSettings.text });
  await sleep(2000);

  mark = seen.length;
  await obs.call("SetCurrentProgramScene", { sceneName: "BRB" });
  await waitFor("SceneTransitionEnded", () => true, 15000, mark);
  await sleep(1000);
  const shot = await obs.call("GetSourceScreenshot", { sourceName: "BRB", imageFormat: "png", imageWidth: 640, imageHeight: 360 });
  writeFileSync(shotFile, Buffer.from(shot.imageData.split(",")[1], "base64"));
  say("screenshot", { prefix: shot.imageData.slice(0, 22) });
  await sleep(1500);
  mark = seen.length;
  await obs.call("SetCurrentProgramScene", { sceneName: "Game" });
  await waitFor("CurrentProgramSceneChanged", (d) => d.sceneName === "Game", 15000, mark);
  await sleep(1500);

  // The meters: the test plays a tone once it reads this line.
  const levels = [];
  const onMeters = (d) => {
    const desk = d.inputs.find((i) => i.inputName === "desk");
    if (desk) levels.push([Date.now() / 1000, desk.inputLevelsMul[0]?.[1] ?? 0]);
  };
  obs.on("InputVolumeMeters", onMeters);
  say("metering");
  await sleep(7000);
  obs.off("InputVolumeMeters", onMeters);
  say("meters", { levels });

  await obs.call("StopStream");
  await waitFor("StreamStateChanged", (d) => d.outputState === "OBS_WEBSOCKET_OUTPUT_STOPPED", 20000);
  say("stopped", { active: (await obs.call("GetStreamStatus")).outputActive,
    states: seen.filter((e) => e.name === "StreamStateChanged").map((e) => e.data.outputState) });

  await obs.disconnect();
  say("done");
} catch (e) {
  say("failed", { error: String(e?.message ?? e), code: e?.code });
  exit(1);
}
