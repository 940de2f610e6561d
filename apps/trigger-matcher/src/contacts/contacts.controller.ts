import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ContactMemoryViewSchema, InvalidInputError, type ContactMemoryView } from '@app/contracts';
import { ApiErrors, ApiKeyAuth, TenantId, openApiSchema } from '@app/platform';
import { ContactMemoryIndex } from './contact-memory.store';

/** Contact ids are at most this long on every event (the contract's `Id`). */
const MAX_CONTACT_ID_LENGTH = 256;

/**
 * The contact's memory, shared by their conversations (what conditions see over a conversation's
 * own): for authors asking why a condition held, and for a platform answering a contact's access
 * request. Every instance reads the whole contact-memory topic, so any of them answers for any contact.
 */
@ApiTags('contacts')
@ApiKeyAuth()
@Controller('v1/contacts')
export class ContactsController {
  constructor(private readonly index: ContactMemoryIndex) {}

  @ApiOperation({ summary: "The contact's memory: every attribute known across their conversations." })
  @ApiParam({
    name: 'contactId',
    description: 'The contact id the platform sends as `data.contact.id`.',
    schema: { type: 'string', minLength: 1, maxLength: MAX_CONTACT_ID_LENGTH },
  })
  @ApiOkResponse({ schema: openApiSchema(ContactMemoryViewSchema) })
  @ApiErrors(400)
  @Get(':contactId/memory')
  memory(@TenantId() tenantId: string, @Param('contactId') contactId: string): ContactMemoryView {
    // In characters, as the events' schema counts them (not UTF-16 units).
    if ([...contactId].length > MAX_CONTACT_ID_LENGTH) {
      const reason = `must be at most ${MAX_CONTACT_ID_LENGTH} characters`;
      throw new InvalidInputError('invalid_path', `contactId ${reason}`, [{ field: 'path:contactId', reason }]);
    }
    const attributes: ContactMemoryView['attributes'] = {};
    for (const [name, { value, at }] of this.index.attributesOf(tenantId, contactId)) {
      if (value !== null) attributes[name] = { value, learntAt: at };
    }
    const clearedAt = this.index.clearedAtOf(tenantId, contactId);
    return { contactId, attributes, ...(clearedAt !== undefined ? { clearedAt } : {}) };
  }
}
