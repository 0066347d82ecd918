export { createEngine, Engine, type EngineOptions } from './engine';
export { defaultDataDir, defaultLibraryDir } from './paths';
