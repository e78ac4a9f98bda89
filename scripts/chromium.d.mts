// Types of scripts/chromium.mjs for the TypeScript that imports it (the e2e harness).
export declare const chromiumPath: string;
export declare const chromiumArgs: string[];
