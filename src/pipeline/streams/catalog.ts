/** The seed's fixed vocabularies, shared by the stream definitions and the generator. */
export const categories = ['Электроника', 'Одежда', 'Продукты', 'Книги', 'Бытовая техника'] as const;
export const warehouses = ['Москва', 'Волгоград', 'Санкт-Петербург', 'Казань', 'Новосибирск', 'Екатеринбург'] as const;
export const movementTypes = ['supply', 'relocation', 'write_off'] as const;

export const productIds = { min: 1, max: 50 } as const;
