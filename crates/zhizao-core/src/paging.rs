//! Server-side paging of lists.

use serde::Serialize;

/// Which page of a list to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    page_size: u32,
}

impl PageRequest {
    /// The largest page a caller may ask for.
    pub const MAX_PAGE_SIZE: u32 = 500;

    /// Page `page` (1-based) of `page_size` items; out-of-range values are clamped (a page below
    /// 1 is the first page, a size above [`PageRequest::MAX_PAGE_SIZE`] is that maximum).
    pub fn new(page: u32, page_size: u32) -> Self {
        PageRequest {
            page: page.max(1),
            page_size: page_size.clamp(1, Self::MAX_PAGE_SIZE),
        }
    }

    /// The 1-based page number.
    pub fn page(self) -> u32 {
        self.page
    }

    /// Items per page.
    pub fn page_size(self) -> u32 {
        self.page_size
    }

    /// Items to skip, for `OFFSET`.
    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.page_size)
    }

    /// `LIMIT`.
    pub fn limit(self) -> i64 {
        i64::from(self.page_size)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::new(1, 50)
    }
}

/// One page of a list and where it sits in the whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Items in the whole list.
    pub total: i64,
    /// This page's 1-based number.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
}

impl<T> Page<T> {
    /// A page of `items` out of `total`.
    pub fn new(items: Vec<T>, total: i64, request: PageRequest) -> Self {
        Page {
            items,
            total,
            page: request.page(),
            page_size: request.page_size(),
        }
    }

    /// How many pages the whole list has (at least 1).
    pub fn page_count(&self) -> u32 {
        let size = i64::from(self.page_size.max(1));
        ((self.total + size - 1) / size).max(1) as u32
    }

    /// The same page with each item transformed.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            page_size: self.page_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_and_counts() {
        let request = PageRequest::new(0, 10_000);
        assert_eq!(
            (request.page(), request.page_size(), request.offset()),
            (1, 500, 0)
        );
        let request = PageRequest::new(3, 20);
        assert_eq!((request.offset(), request.limit()), (40, 20));
        assert_eq!(Page::<u8>::new(vec![], 41, request).page_count(), 3);
        assert_eq!(Page::<u8>::new(vec![], 0, request).page_count(), 1);
    }
}
