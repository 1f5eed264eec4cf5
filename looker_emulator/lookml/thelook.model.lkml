connection: "sample_shop"
label: "The Look"

include: "*.view.lkml"

# New orders land all day: results are fresh until the newest order changes, and a day at most.
datagroup: orders_datagroup {
  label: "New orders"
  sql_trigger: SELECT MAX(created_at) FROM orders ;;
  max_cache_age: "24 hours"
}

# The catalogue changes rarely: a new product (a new row count) refreshes the products explore.
datagroup: catalogue_datagroup {
  label: "Catalogue"
  sql_trigger: SELECT COUNT(*) FROM products ;;
  max_cache_age: "168 hours"
}

persist_with: orders_datagroup

explore: order_items {
  label: "Order Items"
  description: "Every item sold, with its order, buyer and product"
  access_filter: {
    field: products.brand
    user_attribute: brand
  }
  join: orders {
    type: left_outer
    sql_on: ${order_items.order_id} = ${orders.id} ;;
    relationship: many_to_one
  }
  join: users {
    type: left_outer
    sql_on: ${orders.user_id} = ${users.id} ;;
    relationship: many_to_one
  }
  join: products {
    type: left_outer
    sql_on: ${order_items.product_id} = ${products.id} ;;
    relationship: many_to_one
  }
}

explore: orders {
  label: "Orders"
  description: "Orders and the customers who placed them"
  join: users {
    type: left_outer
    sql_on: ${orders.user_id} = ${users.id} ;;
    relationship: many_to_one
  }
}

explore: users {
  label: "Users"
  description: "Customers and where they came from"
}

explore: products {
  label: "Products"
  persist_with: catalogue_datagroup
  description: "The catalogue"
  access_filter: {
    field: products.brand
    user_attribute: brand
  }
}
