import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { refuseNulCharacters } from '@app/contracts';

/**
 * Refuses U+0000 in path and query parameters (400 `nul_character` naming the parameter), as
 * `parseJson` does in bodies: PostgreSQL fails any statement that carries one, which would
 * otherwise answer 500 to a request that is simply bad.
 */
export class RefuseNulCharactersPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'param' && metadata.type !== 'query') return value;
    const place = metadata.type === 'param' ? 'path' : 'query';
    refuseNulCharacters(value, (pointer) =>
      // `@Param('id')` hands over the value alone (pointer "/"); `@Query()` the whole object.
      metadata.data === undefined ? `${place}:${pointer.slice(1)}` : `${place}:${metadata.data}`,
    );
    return value;
  }
}
