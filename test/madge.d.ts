/** The part of madge 8's API that test/layers.test.ts uses (madge ships no types). */
declare module "madge" {
  interface MadgeConfig {
    baseDir?: string;
    fileExtensions?: string[];
    tsConfig?: string;
    detectiveOptions?: Record<string, unknown>;
  }
  interface MadgeResult {
    /** Each file and the files it imports. */
    obj(): Record<string, string[]>;
    /** Each cycle as the files along it. */
    circular(): string[][];
  }
  export default function madge(path: string | string[], config?: MadgeConfig): Promise<MadgeResult>;
}
