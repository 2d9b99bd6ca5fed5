// The sandbox's stand-in for the Hublify PIM: order_create accepts only products listed here,
// by Hublify product code (oi_pcode) or by one of the channel's own codes (pcode_external).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const sandboxProductSchema = z.object({
  pcode: z.string().min(1),
  name: z.string().optional(),
  externalCodes: z.array(z.string().min(1)).optional(),
});

export type SandboxProduct = z.infer<typeof sandboxProductSchema>;

/** The seed's two example products, plus a few more so tests have room. */
export const DEFAULT_PRODUCTS: readonly SandboxProduct[] = [
  { pcode: 'EK00001', name: 'Example Product 1', externalCodes: ['YourOwnProductCode001'] },
  { pcode: 'PC0001', name: 'Example Product 2', externalCodes: ['YourOwnProductCode002'] },
  { pcode: 'EK00002', name: 'Example Product 3', externalCodes: ['YourOwnProductCode003'] },
  { pcode: 'EK00003', name: 'Example Product 4' },
];

export class ProductCatalogue {
  private readonly byPcode = new Map<string, SandboxProduct>();
  private readonly byExternal = new Map<string, SandboxProduct>();

  constructor(products: readonly SandboxProduct[] = DEFAULT_PRODUCTS) {
    for (const product of products) {
      this.byPcode.set(product.pcode, product);
      for (const code of product.externalCodes ?? []) this.byExternal.set(code, product);
    }
  }

  find(pcode: string): SandboxProduct | undefined {
    return this.byPcode.get(pcode);
  }

  findExternal(code: string): SandboxProduct | undefined {
    return this.byExternal.get(code);
  }
}

/** Reads a JSON array of `{ pcode, name?, externalCodes? }` (the CLI's --products file). */
export function loadProductsFile(file: string): SandboxProduct[] {
  const parsed = z.array(sandboxProductSchema).safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`Invalid products file ${file}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
