// Types of verify/modelled-source.mjs (plain JavaScript, so that `npm run verify` needs no build).
export declare const MODEL: string;
export declare const HASH_FILE: string;
export declare const REGIONS: readonly (readonly [file: string, start: string])[];
export interface RegionHash {
  file: string;
  start: string;
  hash: string;
}
export declare function extractRegion(text: string, start: string, file?: string): string;
export declare function computeHashes(root: string): RegionHash[];
export declare function readRecorded(root: string): RegionHash[];
export declare function writeRecorded(root: string): void;
export declare function checkHashes(root: string): string[];
export interface MapEntry {
  tag: string;
  file: string;
  line: number;
  text: string;
}
export declare function readMap(root: string): MapEntry[];
export declare function checkMap(root: string): string[];
