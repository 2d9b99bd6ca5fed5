// The seed's "full data provided" order_create request, for tests, docs and trying the sandbox.
import type { HublifyOrderCreateRequest, HublifyOrderFields } from '../types';

/** The seed's example with `o_orderid_external` (and anything else in `order`) replaced as given. */
export function exampleOrderCreateRequest(order: Partial<HublifyOrderFields> = {}): HublifyOrderCreateRequest {
  return {
    fields: {
      person: {
        p_personid_external: 'ABC000012',
        bday: '1973-01-22',
        telephone: '+4940123456',
        telephone_mobile: '+491601234567',
        email: 'max@muster.de',
      },
      order: {
        o_orderid_external: 'CH00012345',
        st_label: 'standard',
        o_time_ordered: '2021-01-21 14:15:00',
        o_comment: 'Channel Order CH00012345, User ABC000012',
        invoice_company: '',
        invoice_gender: 'male',
        invoice_firstname: 'Max',
        invoice_lastname: 'Muster',
        invoice_addrextra: '',
        invoice_street: 'Sample Street',
        invoice_housenr: '1b',
        invoice_zip: '22222',
        invoice_town: 'Hamburg',
        invoice_country: 'DE',
        deliver_company: null,
        deliver_gender: 'female',
        deliver_firstname: 'Maxi',
        deliver_lastname: 'Muster',
        deliver_addrextra: null,
        deliver_street: 'Second Street',
        deliver_housenr: '2a',
        deliver_zip: '11111',
        deliver_town: 'Berlin',
        deliver_country: 'DE',
        orderitems: [
          {
            oi_pcode: 'EK00001',
            oi_name: 'Example Product 1',
            oi_type: 'product',
            oi_quantity: 1,
            oi_price_single_brutto: 14.56,
            oi_vat_pct: 19,
            oi_code: 'SKUEXT01',
          },
          {
            pcode_external: 'YourOwnProductCode002',
            oi_name: 'Example Product 2',
            oi_type: 'product',
            oi_quantity: 2,
            oi_price_single_brutto: 12.34,
            oi_vat_pct: 19,
            oi_code: 'SKUEXT02',
          },
        ],
        ...order,
      },
      payment: { pys_method: 'Remittance' },
    },
  };
}
