// `@verdant/agents/demo`: the bundled scripted model and simulated tools behind `verdant agent demo`,
// kept off the main entry point so an application importing the library does not load them.
export { runDemo, formatModeLine, DEMO_MODES, type DemoMode, type DemoModeReport, type DemoReport, type RunDemoOptions } from './run-demo.js';
export { startScriptedServer, type Script, type ScriptedPiece, type ScriptedReply, type ScriptedRequest, type ScriptedServer } from './scripted-server.js';
